package io.dkv.streams.lease;

import static org.assertj.core.api.Assertions.assertThat;

import io.dkv.streams.lease.LiveLeases.LeaseId;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LiveLeasesTest {
    private final LiveLeases leases = new LiveLeases();

    @Test
    void noneUntilATaskHasALeaseAndAgainOnceItsLastLeaseIsGone() {
        LeaseId lease = new LeaseId("s", 7);
        leases.adopt(3, Map.of(), 0);
        assertThat(leases.none()).isTrue();

        leases.granted(3, lease, 1_000, 0);
        assertThat(leases.none()).isFalse();

        leases.revoked(3, lease);
        assertThat(leases.none()).isTrue();

        leases.adopt(1, Map.of(lease, 1_000L), 0);
        assertThat(leases.none()).isFalse();

        assertThat(leases.expired(1, 1_000)).containsExactly(lease);
        assertThat(leases.none()).isTrue();

        leases.adopt(2, Map.of(lease, 1_000L), 0);
        leases.release(2);
        assertThat(leases.none()).isTrue();
    }
}
