package io.paipa.sample;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Lines on their way into the pipelines, tagged with where they came from (the request
 * that posted them, or their number in an imported file), so that stores, duplicates and
 * dead letters can be told per request and per line. A line that is not valid UTF-8 is
 * kept, base64-encoded, so that it reaches the dead letters whole instead of altered.
 */
final class Lines {

	private static final char MARK = '\u0001';

	private static final String INVALID = "invalid-utf-8:";

	private Lines() {
	}

	/** A line tagged with its origin. */
	static String tagged(String origin, String line) {
		return tagged(origin, null, line);
	}

	/**
	 * A line tagged with its origin and its reference: a name of this one accepted line,
	 * unique, that a store retried after a commit whose outcome it did not learn can
	 * recognise as its own earlier write (not a resent order).
	 */
	static String tagged(String origin, String ref, String line) {
		return MARK + ((origin != null) ? origin : "") + MARK + ((ref != null) ? ref : "") + MARK + line;
	}

	/** The origin of a tagged line, or {@code null}. */
	static String origin(String line) {
		return part(line, 0);
	}

	/** The reference of a tagged line, or {@code null}. */
	static String ref(String line) {
		return part(line, 1);
	}

	private static String part(String line, int index) {
		if (line.isEmpty() || line.charAt(0) != MARK) {
			return null;
		}
		int start = 1;
		for (int i = 0; i < index; i++) {
			int next = line.indexOf(MARK, start);
			if (next < 0) {
				return null;
			}
			start = next + 1;
		}
		int end = line.indexOf(MARK, start);
		if (end < 0) {
			return null;
		}
		String part = line.substring(start, end);
		return part.isEmpty() ? null : part;
	}

	/** A line without its tag. */
	static String text(String line) {
		if (line.isEmpty() || line.charAt(0) != MARK) {
			return line;
		}
		int end = line.indexOf(MARK, line.indexOf(MARK, 1) + 1);
		return (end > 0) ? line.substring(end + 1) : line;
	}

	/**
	 * Decodes one line's bytes as UTF-8, strictly.
	 * @return the text, or the bytes base64-encoded and marked when they are not UTF-8
	 */
	static String decode(byte[] bytes, int from, int to) {
		try {
			return StandardCharsets.UTF_8.newDecoder()
				.onMalformedInput(CodingErrorAction.REPORT)
				.onUnmappableCharacter(CodingErrorAction.REPORT)
				.decode(ByteBuffer.wrap(bytes, from, to - from))
				.toString();
		}
		catch (CharacterCodingException ex) {
			return INVALID + Base64.getEncoder().encodeToString(java.util.Arrays.copyOfRange(bytes, from, to));
		}
	}

	/** Whether a line (without its tag) stands for bytes that were not UTF-8. */
	static boolean isInvalid(String text) {
		return text.startsWith(INVALID);
	}

}
