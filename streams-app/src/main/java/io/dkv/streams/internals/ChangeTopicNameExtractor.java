package io.dkv.streams.internals;

import io.dkv.kafka.DkvTopics;
import io.dkv.schemas.ChangeHeaders;
import org.apache.kafka.streams.processor.RecordContext;
import org.apache.kafka.streams.processor.TopicNameExtractor;

/** Routes each change record to the change topic of the store named in its {@code dkv.store} header. */
public final class ChangeTopicNameExtractor implements TopicNameExtractor<byte[], byte[]> {
    private final DkvTopics topics;

    public ChangeTopicNameExtractor(DkvTopics topics) {
        this.topics = topics;
    }

    @Override
    public String extract(byte[] key, byte[] value, RecordContext recordContext) {
        return topics.changes(ChangeHeaders.get(recordContext.headers(), ChangeHeaders.STORE));
    }
}
