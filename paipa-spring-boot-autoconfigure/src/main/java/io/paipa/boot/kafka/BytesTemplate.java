package io.paipa.boot.kafka;

import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaTemplate;

/**
 * A {@link KafkaTemplate} that sends bytes as they are, with the settings of the
 * application's template: dead letters go to their topic as the original records were
 * consumed. Created when first needed, closed with the application context.
 */
public final class BytesTemplate implements DisposableBean {

	private @Nullable DefaultKafkaProducerFactory<byte[], byte[]> factory;

	private @Nullable KafkaTemplate<byte[], byte[]> template;

	/** Creates the holder; the template is made when first asked for. */
	public BytesTemplate() {
	}

	/**
	 * Returns the template, creating it the first time.
	 * @param like the application's template, whose producer settings apply
	 * @return the template
	 */
	public synchronized KafkaTemplate<byte[], byte[]> get(KafkaTemplate<?, ?> like) {
		if (this.template == null) {
			this.factory = new DefaultKafkaProducerFactory<>(like.getProducerFactory().getConfigurationProperties(),
					new ByteArraySerializer(), new ByteArraySerializer());
			this.template = new KafkaTemplate<>(this.factory);
		}
		return this.template;
	}

	@Override
	public synchronized void destroy() {
		if (this.factory != null) {
			this.factory.destroy();
		}
	}

}
