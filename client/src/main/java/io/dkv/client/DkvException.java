package io.dkv.client;

/**
 * A call failed: DKV could not be reached, did not answer in time, or refused the request as
 * malformed. Expected outcomes (a missing key, a failed condition, a held lock) are never thrown; they
 * are the status of the call's result.
 *
 * <p>{@link #code()} is DKV's stable error code ({@code UNAVAILABLE}, {@code TIMEOUT},
 * {@code INVALID_KEY}, …), or {@code UNREACHABLE} when no gateway answered at all.
 */
public class DkvException extends RuntimeException {
    private final String code;
    private final int status;

    public DkvException(String code, int status, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
        this.status = status;
    }

    /** The error code of DKV's JSON error body, or {@code UNREACHABLE} / {@code TIMEOUT} from the client itself. */
    public String code() {
        return code;
    }

    /** The HTTP status DKV answered, or 0 when no answer came. */
    public int status() {
        return status;
    }

    /** No gateway could be reached (after every retry over every gateway the client knows). */
    public static final class Unavailable extends DkvException {
        public Unavailable(String code, int status, String message, Throwable cause) {
            super(code, status, message, cause);
        }
    }

    /**
     * The call's deadline passed before an answer came. A write may or may not have been applied;
     * retrying it through the same client reuses its request id only within the call, so read the key
     * to find out.
     */
    public static final class Timeout extends DkvException {
        public Timeout(String message, Throwable cause) {
            super("TIMEOUT", 0, message, cause);
        }
    }

    /** DKV refused the request as it stands (4xx other than the expected outcomes): retrying it is pointless. */
    public static final class Rejected extends DkvException {
        public Rejected(String code, int status, String message) {
            super(code, status, message, null);
        }
    }
}
