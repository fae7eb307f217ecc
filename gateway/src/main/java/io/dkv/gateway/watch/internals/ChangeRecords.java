package io.dkv.gateway.watch.internals;

import io.dkv.gateway.watch.WatchEvent;
import io.dkv.schemas.ChangeEvent;
import io.dkv.schemas.ChangeHeaders;
import io.dkv.schemas.DkvCodec;
import io.dkv.gateway.internals.Http;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/** Reads the metadata and the event out of a change-topic record (see docs/ARCHITECTURE.md). */
final class ChangeRecords {
    private ChangeRecords() {
    }

    static String store(ConsumerRecord<byte[], byte[]> record) {
        return ChangeHeaders.get(record.headers(), ChangeHeaders.STORE);
    }

    static long revision(ConsumerRecord<byte[], byte[]> record) {
        return Long.parseLong(ChangeHeaders.get(record.headers(), ChangeHeaders.REVISION));
    }

    static int batchSize(ConsumerRecord<byte[], byte[]> record) {
        String size = ChangeHeaders.get(record.headers(), ChangeHeaders.BATCH_SIZE);
        return size == null ? 1 : Integer.parseInt(size);
    }

    static WatchEvent event(ConsumerRecord<byte[], byte[]> record) {
        if (record.value() == null) {
            String lease = ChangeHeaders.get(record.headers(), ChangeHeaders.LEASE);
            Header deleted = record.headers().lastHeader(ChangeHeaders.PREV_VALUE);
            return new WatchEvent(WatchEvent.Type.DELETE, record.key(), null, revision(record), 0, 0,
                    lease == null ? 0 : Long.parseLong(lease), deleted == null ? null : deleted.value(),
                    ChangeHeaders.get(record.headers(), ChangeHeaders.CAUSE));
        }
        ChangeEvent change = DkvCodec.CHANGE_EVENT.decode(record.value());
        return new WatchEvent(WatchEvent.Type.PUT, record.key(), Http.array(change.getValue()), change.getRevision(),
                change.getCreateRevision(), change.getVersion(), change.getLease(),
                change.getPrevValue() == null ? null : Http.array(change.getPrevValue()), null);
    }
}
