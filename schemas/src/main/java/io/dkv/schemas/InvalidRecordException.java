package io.dkv.schemas;

/** Thrown when bytes read from a topic or a store are not a DKV record this version can read. */
public class InvalidRecordException extends RuntimeException {
    public InvalidRecordException(String message, Throwable cause) {
        super(message, cause);
    }
}
