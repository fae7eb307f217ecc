package io.dkv.examples;

import io.dkv.client.DkvClient;
import io.dkv.client.election.Campaign;
import io.dkv.client.kv.Txn;
import io.dkv.client.lease.KeepAlive;
import io.dkv.client.lease.Lease;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Scenario 3: a scheduler where only the elected leader runs the job. Each node keeps a lease alive
 * and campaigns with it; the leader runs the job every period, writing its run with a transaction
 * that holds only while its candidacy key still has the leader's token, so a node that lost the lead
 * (its lease expired while it paused) cannot write. When the leader dies, its lease expires and the
 * next candidate leads.
 *
 * <p>Run it on two terminals: {@code java -cp 'examples/target/examples-0.1.0-SNAPSHOT.jar:examples/target/lib/*' io.dkv.examples.Scheduler node-1},
 * then kill the leader.
 */
public final class Scheduler implements AutoCloseable {
    private static final String ELECTION = "nightly-report";
    private static final Duration TTL = Duration.ofSeconds(3);

    private final DkvClient client;
    private final String node;
    private final Duration period;
    private final AtomicInteger runs = new AtomicInteger();
    private final Thread loop;
    private volatile boolean leading;
    private volatile boolean stopped;

    public Scheduler(DkvClient client, String node, Duration period) {
        this.client = client;
        this.node = node;
        this.period = period;
        this.loop = new Thread(this::run, "scheduler-" + node);
        this.loop.setDaemon(true);
    }

    public void start() {
        loop.start();
    }

    private void run() {
        KeepAlive alive = client.leases().grantAndKeepAlive(TTL, (id, reason) -> leading = false);
        Lease lease = new Lease(alive.leaseId(), TTL);
        try {
            Campaign campaign = client.elections().campaign(ELECTION, lease, node, Duration.ZERO);
            while (!campaign.leader() && !stopped) {
                campaign = client.elections().campaign(ELECTION, lease, node, Duration.ofSeconds(30));
            }
            leading = true;
            System.out.println(node + " leads (token " + campaign.token() + ")");
            while (!stopped && leading) {
                boolean ran = client.kv().txn().ifCreateRevision(campaign.key(), Txn.Cmp.EQUAL, campaign.token())
                        .thenPut("reports:last", node + " run " + runs.get()).commit().succeeded();
                if (!ran) {
                    leading = false;
                    break;
                }
                runs.incrementAndGet();
                Thread.sleep(period.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            if (!stopped) {
                System.err.println(node + ": " + e.getMessage());
            }
        } finally {
            leading = false;
        }
    }

    public boolean leading() {
        return leading;
    }

    public int runs() {
        return runs.get();
    }

    public String node() {
        return node;
    }

    @Override
    public void close() {
        stopped = true;
        loop.interrupt();
    }

    public static void main(String[] args) throws InterruptedException {
        try (DkvClient client = Examples.connect();
                Scheduler scheduler = new Scheduler(client, args.length > 0 ? args[0] : "node-" + ProcessHandle.current().pid(), Duration.ofSeconds(1))) {
            scheduler.start();
            Thread.currentThread().join();
        }
    }
}
