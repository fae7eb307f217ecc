package io.dkv.client.internals;

import static org.assertj.core.api.Assertions.assertThat;

import io.dkv.client.watch.WatchEvent;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The near cache's rules, event by event. */
class NearCacheTest {

    private static WatchEvent<String> put(String key, String value, long revision) {
        return new WatchEvent<>(WatchEvent.Type.PUT, key.getBytes(StandardCharsets.UTF_8), value, null, revision, 1, 1, 0, null);
    }

    private static WatchEvent<String> delete(String key, long revision) {
        return new WatchEvent<>(WatchEvent.Type.DELETE, key.getBytes(StandardCharsets.UTF_8), null, null, revision, 0, 0, 0, "lease-expired");
    }

    private static NearCache<String> started() {
        NearCache<String> near = new NearCache<>(100);
        near.started();
        return near;
    }

    @Test
    void aReadOlderThanAChangeTheWatchSawIsNotInstalled() {
        NearCache<String> near = started();
        NearCache.Read read = near.beginRead();
        near.onEvent(put("k", "new", 10));
        near.install("k", "old", 9, read);
        assertThat(near.get("k")).isNull();
        near.install("k", "new", 10, read);
        assertThat(near.get("k")).isEqualTo("new");
    }

    @Test
    void changesReplaceOrDropCachedEntriesButDoNotAddKeys() {
        NearCache<String> near = started();
        near.install("a", "1", 5, near.beginRead());
        near.onEvent(put("a", "2", 6));
        assertThat(near.get("a")).isEqualTo("2");
        near.onEvent(put("b", "x", 7));
        assertThat(near.get("b")).isNull();
        near.onEvent(delete("a", 8));
        assertThat(near.get("a")).isNull();
        near.install("a", "2", 6, near.beginRead());
        assertThat(near.get("a")).as("a read of a value the watch saw deleted").isNull();
        assertThat(near.invalidations()).isEqualTo(2);
    }

    @Test
    void aLostWatchEmptiesTheCopyAndReadsBegunBeforeItDoNotInstall() {
        NearCache<String> near = started();
        near.install("a", "1", 5, near.beginRead());
        NearCache.Read before = near.beginRead();
        near.onDisconnected();
        assertThat(near.get("a")).isNull();
        near.install("b", "1", 6, before);
        near.onResumed(6);
        assertThat(near.get("a")).isNull();
        assertThat(near.get("b")).isNull();
        near.install("b", "1", 6, near.beginRead());
        assertThat(near.get("b")).isEqualTo("1");
        near.onResnapshot(List.of(), 9);
        assertThat(near.get("b")).isNull();
        near.onEnd("store-deleted");
        near.install("c", "1", 10, near.beginRead());
        assertThat(near.get("c")).isNull();
    }

    @Test
    void anInstallNeverReplacesANewerEntry() {
        NearCache<String> near = started();
        near.install("a", "new", 9, near.beginRead());
        near.install("a", "old", 8, near.beginRead());
        assertThat(near.get("a")).isEqualTo("new");
    }
}
