package io.paipa.core.internal;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;

/** Resolves a handler's declared input and output types, where its class states them. */
public final class Types {

	private Types() {
	}

	/**
	 * Returns the type arguments of {@code iface} as implemented by the handler's class,
	 * or {@code Object} for each one the class does not state (lambdas, raw types).
	 * @param handler the handler
	 * @param iface the handler interface
	 * @return the input and output types
	 */
	public static Type[] resolve(Object handler, Class<?> iface) {
		Type[] found = find(handler.getClass(), iface);
		return (found != null) ? found : new Type[] { Object.class, Object.class };
	}

	private static Type[] find(Class<?> type, Class<?> iface) {
		for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
			for (Type candidate : c.getGenericInterfaces()) {
				if (candidate instanceof ParameterizedType parameterized && parameterized.getRawType() == iface) {
					Type[] args = parameterized.getActualTypeArguments();
					Type[] out = new Type[args.length];
					for (int i = 0; i < args.length; i++) {
						out[i] = (args[i] instanceof Class<?> || args[i] instanceof ParameterizedType) ? args[i]
								: Object.class;
					}
					return out;
				}
			}
		}
		return null;
	}

	/** A short, readable name for a type: simple names, generics kept. */
	public static String name(Type type) {
		if (type instanceof Class<?> c) {
			return c.getSimpleName().isEmpty() ? c.getName() : c.getSimpleName();
		}
		if (type instanceof ParameterizedType parameterized) {
			StringBuilder sb = new StringBuilder(name(parameterized.getRawType())).append('<');
			Type[] args = parameterized.getActualTypeArguments();
			for (int i = 0; i < args.length; i++) {
				sb.append((i > 0) ? ", " : "").append(name(args[i]));
			}
			return sb.append('>').toString();
		}
		if (type instanceof java.lang.reflect.TypeVariable<?>) {
			return "Object";
		}
		return String.valueOf(type);
	}

}
