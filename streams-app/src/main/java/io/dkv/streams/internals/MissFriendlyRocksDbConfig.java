package io.dkv.streams.internals;

import java.util.Map;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.Options;

/**
 * RocksDB settings for DKV's stores, whose point reads mostly miss: every dedupe lookup of a new
 * request id (three per command) and every put of a new key.
 *
 * <p>Kafka Streams tunes RocksDB for reads that hit: it leaves the last level without Bloom filters
 * ({@code optimize_filters_for_hits}) and the memtable without one. A miss then searches the memtable's
 * skip list and reads index and data blocks of every last-level file; under a 64-client put load that
 * was about a third of the stream thread's CPU. Bloom filters on every level and a whole-key memtable
 * filter answer most misses from memory, for about 1.25 bytes per key and 10 % of the memtable.
 *
 * <p>Stateless; Kafka Streams creates one instance per store.
 */
public final class MissFriendlyRocksDbConfig implements RocksDBConfigSetter {
    private static final double MEMTABLE_BLOOM_RATIO = 0.1;

    @Override
    public void setConfig(String storeName, Options options, Map<String, Object> configs) {
        options.setOptimizeFiltersForHits(false);
        options.setMemtableWholeKeyFiltering(true);
        options.setMemtablePrefixBloomSizeRatio(MEMTABLE_BLOOM_RATIO);
    }

    @Override
    public void close(String storeName, Options options) {
    }
}
