package io.dkv.client;

import java.util.function.Function;

/**
 * Turns values into the bytes DKV stores and back. Implementations must be thread-safe and must
 * round-trip: {@code decode(encode(v))} equals {@code v}.
 *
 * @param <T> the application's value type
 */
public interface Codec<T> {

    byte[] encode(T value);

    T decode(byte[] bytes);

    /** A codec from two functions, for example an application's own Jackson {@code ObjectMapper}. */
    static <T> Codec<T> of(Function<T, byte[]> encode, Function<byte[], T> decode) {
        return new Codec<>() {
            @Override
            public byte[] encode(T value) {
                return encode.apply(value);
            }

            @Override
            public T decode(byte[] bytes) {
                return decode.apply(bytes);
            }
        };
    }
}
