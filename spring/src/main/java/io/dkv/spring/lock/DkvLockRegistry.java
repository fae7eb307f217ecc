package io.dkv.spring.lock;

import io.dkv.client.DkvClient;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.integration.support.locks.RenewableLockRegistry;

/**
 * A Spring Integration lock registry on DKV locks: {@code obtain("invoice-42")} locks the key
 * {@code <prefix>invoice-42} of the client's store. Everything built on {@code LockRegistry} works,
 * {@code LockRegistryLeaderInitiator} included, and a holder can fence its writes with
 * {@link DkvLock#fencingToken()}. Thread-safe; one lock object per key.
 */
public final class DkvLockRegistry implements RenewableLockRegistry<DkvLock> {
    private final DkvClient client;
    private final String prefix;
    private final Duration ttl;
    private final ConcurrentHashMap<String, DkvLock> locks = new ConcurrentHashMap<>();

    /**
     * @param prefix put before every lock key (for example {@code "locks/"})
     * @param ttl how long a hold survives its holder dying (it is kept alive while the holder lives)
     */
    public DkvLockRegistry(DkvClient client, String prefix, Duration ttl) {
        this.client = client;
        this.prefix = prefix;
        this.ttl = ttl;
    }

    @Override
    public DkvLock obtain(Object lockKey) {
        String key = prefix + lockKey;
        return locks.computeIfAbsent(key, k -> new DkvLock(client.locks(), k, ttl));
    }

    /** @throws IllegalStateException if the current thread does not hold the lock */
    @Override
    public void renewLock(Object lockKey) {
        obtain(lockKey).renew();
    }

    /** DKV locks are renewed for their own TTL; {@code ttl} is not used. */
    @Override
    public void renewLock(Object lockKey, Duration ttl) {
        renewLock(lockKey);
    }
}
