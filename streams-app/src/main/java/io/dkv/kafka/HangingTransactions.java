package io.dkv.kafka;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListTransactionsOptions;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData.WritableTxnMarker;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData.WritableTxnMarkerTopic;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.WriteTxnMarkersRequest;
import org.apache.kafka.common.requests.WriteTxnMarkersResponse;

/**
 * Finds and ends hanging transactions: a transaction that a partition still holds open after its
 * coordinator has finished with it. Such a partition's last stable offset never moves again, so
 * every {@code read_committed} reader of it stops there; a Kafka Streams task whose changelog it is
 * never finishes its restore. Kafka does not end such a transaction by itself
 * ({@code kafka-transactions.sh find-hanging} and {@code abort} are its tools for an operator).
 *
 * <p>A transaction is hanging here when a partition reports it open and its coordinator, asked
 * afterwards, no longer has it in progress on that partition, and the partition still reports it
 * open after that. The coordinator writes a transaction's markers before it records the transaction
 * complete, so a transaction that completes during the check is never taken for a hanging one.
 * Thread-safe; every method blocks on the cluster.
 */
public final class HangingTransactions {
    private static final Set<TransactionState> IN_PROGRESS =
            Set.of(TransactionState.ONGOING, TransactionState.PREPARE_COMMIT, TransactionState.PREPARE_ABORT);

    private HangingTransactions() {
    }

    /** A transaction open on one partition that its coordinator has finished with. */
    public record Hanging(TopicPartition partition, long producerId, short producerEpoch, int coordinatorEpoch,
                          long firstOffset, String transactionalId) {
        /** The command that ends it the way Kafka's tools do (as an abort). */
        public String abortCommand(String bootstrapServers) {
            return "kafka-transactions.sh --bootstrap-server " + bootstrapServers + " abort --topic " + partition.topic()
                    + " --partition " + partition.partition() + " --producer-id " + producerId + " --producer-epoch "
                    + producerEpoch + " --coordinator-epoch " + coordinatorEpoch;
        }
    }

    /** The hanging transactions on these partitions, in partition order. */
    public static List<Hanging> find(Admin admin, Collection<TopicPartition> partitions)
            throws ExecutionException, InterruptedException {
        Map<TopicPartition, ProducerState> open = openTransactions(admin, partitions);
        if (open.isEmpty()) {
            return List.of();
        }
        Map<Long, CoordinatorView> coordinators = coordinatorViews(admin,
                open.values().stream().map(ProducerState::producerId).collect(Collectors.toSet()));
        Map<TopicPartition, ProducerState> suspects = new LinkedHashMap<>();
        open.forEach((partition, producer) -> {
            CoordinatorView coordinator = coordinators.get(producer.producerId());
            if (coordinator == null || !IN_PROGRESS.contains(coordinator.description().state())
                    || !coordinator.description().topicPartitions().contains(partition)) {
                suspects.put(partition, producer);
            }
        });
        if (suspects.isEmpty()) {
            return List.of();
        }
        Map<TopicPartition, ProducerState> stillOpen = openTransactions(admin, suspects.keySet());
        List<Hanging> hanging = new ArrayList<>();
        suspects.forEach((partition, producer) -> {
            ProducerState now = stillOpen.get(partition);
            if (now != null && now.producerId() == producer.producerId() && now.producerEpoch() == producer.producerEpoch()
                    && now.currentTransactionStartOffset().equals(producer.currentTransactionStartOffset())) {
                CoordinatorView coordinator = coordinators.get(producer.producerId());
                hanging.add(new Hanging(partition, producer.producerId(), (short) producer.producerEpoch(),
                        producer.coordinatorEpoch().orElse(0), producer.currentTransactionStartOffset().getAsLong(),
                        coordinator == null ? null : coordinator.transactionalId()));
            }
        });
        hanging.sort((a, b) -> a.partition().toString().compareTo(b.partition().toString()));
        return hanging;
    }

    /**
     * Ends a hanging transaction on the given partitions with a commit or an abort marker, written
     * by the partitions' leader as the coordinator would have written it.
     *
     * @throws IOException if the leader cannot be reached or refuses a marker (the message says why;
     *     a refusal such as a leader that moved can pass, so the caller may try again)
     */
    public static void end(Node leader, long producerId, short producerEpoch, int coordinatorEpoch, boolean commit,
                           Collection<TopicPartition> partitions, Duration timeout) throws IOException {
        WritableTxnMarker marker = new WritableTxnMarker().setProducerId(producerId).setProducerEpoch(producerEpoch)
                .setCoordinatorEpoch(coordinatorEpoch).setTransactionResult(commit);
        partitions.stream().collect(Collectors.groupingBy(TopicPartition::topic, LinkedHashMap::new,
                        Collectors.mapping(TopicPartition::partition, Collectors.toList())))
                .forEach((topic, indexes) -> marker.topics().add(new WritableTxnMarkerTopic().setName(topic).setPartitionIndexes(indexes)));
        WriteTxnMarkersRequestData data = new WriteTxnMarkersRequestData();
        data.markers().add(marker);
        WriteTxnMarkersRequest request = new WriteTxnMarkersRequest.Builder(data).build(ApiKeys.WRITE_TXN_MARKERS.latestVersion());
        WriteTxnMarkersResponse response = (WriteTxnMarkersResponse) BrokerRequests.send(leader, request, timeout);
        Map<TopicPartition, Errors> errors = response.errorsByProducerId().getOrDefault(producerId, Map.of());
        List<String> refused = errors.entrySet().stream().filter(e -> e.getValue() != Errors.NONE)
                .map(e -> e.getKey() + ": " + e.getValue().name()).toList();
        if (!refused.isEmpty() || !errors.keySet().containsAll(partitions)) {
            throw new IOException("the broker refused the " + (commit ? "commit" : "abort") + " markers of producer "
                    + producerId + " (epoch " + producerEpoch + "): " + (refused.isEmpty() ? "no answer for " + partitions : refused));
        }
    }

    private static Map<TopicPartition, ProducerState> openTransactions(Admin admin, Collection<TopicPartition> partitions)
            throws ExecutionException, InterruptedException {
        Map<TopicPartition, ProducerState> open = new LinkedHashMap<>();
        admin.describeProducers(partitions).all().get().forEach((partition, state) -> state.activeProducers().stream()
                .filter(p -> p.currentTransactionStartOffset().isPresent())
                .forEach(p -> open.put(partition, p)));
        return open;
    }

    private record CoordinatorView(String transactionalId, TransactionDescription description) {
    }

    private static Map<Long, CoordinatorView> coordinatorViews(Admin admin, Set<Long> producerIds)
            throws ExecutionException, InterruptedException {
        Collection<TransactionListing> listings = admin.listTransactions(new ListTransactionsOptions().filterProducerIds(producerIds))
                .all().get();
        if (listings.isEmpty()) {
            return Map.of();
        }
        Map<Long, CoordinatorView> byProducer = new LinkedHashMap<>();
        admin.describeTransactions(listings.stream().map(TransactionListing::transactionalId).toList()).all().get()
                .forEach((id, description) -> byProducer.put(description.producerId(), new CoordinatorView(id, description)));
        return byProducer;
    }
}
