package io.paipa.boot.kafka;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.BeanUtils;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.core.DefaultKafkaConsumerFactory;
import org.springframework.util.ClassUtils;

/**
 * Keeps the bytes of each consumed record's key and value as they came from the broker,
 * whatever the application's deserializers make of them, so that a dead letter can be
 * published as the original record. The bytes travel in two headers, which the source
 * takes off again before the pipeline sees the record.
 */
final class RawBytes {

	static final String KEY = "paipa-raw-key";

	static final String VALUE = "paipa-raw-value";

	private RawBytes() {
	}

	/**
	 * A consumer factory like the given one whose deserializers also keep the bytes.
	 * @param factory the application's consumer factory
	 * @param overrides the source's own consumer properties, which win
	 */
	static ConsumerFactory<Object, Object> capturing(ConsumerFactory<Object, Object> factory,
			Map<String, ?> overrides) {
		Map<String, Object> configs = new HashMap<>(factory.getConfigurationProperties());
		configs.putAll(overrides);
		Supplier<Deserializer<Object>> keys = () -> new Capturing<>(KEY,
				deserializer(factory.getKeyDeserializer(), overrides, configs, true));
		Supplier<Deserializer<Object>> values = () -> new Capturing<>(VALUE,
				deserializer(factory.getValueDeserializer(), overrides, configs, false));
		DefaultKafkaConsumerFactory<Object, Object> capturing = new DefaultKafkaConsumerFactory<>(
				factory.getConfigurationProperties(), keys, values, false);
		factory.getListeners().forEach(capturing::addListener);
		factory.getPostProcessors().forEach(capturing::addPostProcessor);
		return capturing;
	}

	@SuppressWarnings("unchecked")
	private static Deserializer<Object> deserializer(@Nullable Deserializer<?> instance, Map<String, ?> overrides,
			Map<String, Object> configs, boolean isKey) {
		String property = isKey ? ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG
				: ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG;
		if (instance != null && !overrides.containsKey(property)) {
			// the factory's own instance, configured by it already
			return (Deserializer<Object>) instance;
		}
		Object configured = configs.getOrDefault(property, StringDeserializer.class);
		Class<?> type;
		try {
			type = (configured instanceof Class<?> given) ? given
					: ClassUtils.forName(configured.toString().trim(), RawBytes.class.getClassLoader());
		}
		catch (ClassNotFoundException | LinkageError ex) {
			throw new IllegalStateException("The Kafka " + (isKey ? "key" : "value") + " deserializer " + configured
					+ " (" + property + ") cannot be loaded", ex);
		}
		Deserializer<Object> created = (Deserializer<Object>) BeanUtils.instantiateClass(type);
		created.configure(configs, isKey);
		return created;
	}

	/**
	 * Takes the kept bytes off a record's headers.
	 * @return the bytes, or {@code null} when the record has none (it kept no bytes)
	 */
	static byte @Nullable [][] take(Headers headers) {
		Header value = headers.lastHeader(VALUE);
		if (value == null) {
			return null;
		}
		Header key = headers.lastHeader(KEY);
		headers.remove(VALUE);
		headers.remove(KEY);
		return new byte[][] { (key != null) ? key.value() : null, value.value() };
	}

	/**
	 * Deserializes with the application's deserializer and keeps the bytes in a header.
	 */
	private static final class Capturing<T> implements Deserializer<T> {

		private final String header;

		private final Deserializer<T> delegate;

		Capturing(String header, Deserializer<T> delegate) {
			this.header = header;
			this.delegate = delegate;
		}

		@Override
		public T deserialize(String topic, byte[] data) {
			return this.delegate.deserialize(topic, data);
		}

		@Override
		public T deserialize(String topic, Headers headers, byte[] data) {
			headers.add(this.header, data);
			return this.delegate.deserialize(topic, headers, data);
		}

		@Override
		public void close() {
			this.delegate.close();
		}

	}

}
