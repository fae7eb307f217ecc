package io.dkv.streams;

/**
 * A reply of a committed transaction, and where it lies in the replies topic.
 *
 * @param value     the record's value: an Avro {@code ProcessedRequest} holding one {@code Reply}
 * @param partition its partition of the replies topic (that of the task that wrote it)
 * @param offset    its offset in that partition
 */
public record CommittedReply(byte[] value, int partition, long offset) {
}
