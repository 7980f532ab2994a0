using PredictiveSharding.Keys;
using PredictiveSharding.Routing;
using PredictiveSharding.Storage.RocksDb;
using PredictiveSharding.Telemetry;

namespace EmbeddedEngine;

/// <summary>
/// A small distributed key-value engine the way a custom database embeds PredictiveSharding: the routing table on the
/// request path, the load recorder on every request, RocksDB nodes underneath. A request that lands on a node that no
/// longer owns its key (a move cut over meanwhile) is re-routed with the new routing version, as a client following a
/// MOVED redirect would.
/// </summary>
internal sealed class KeyValueEngine(IRoutingTable routing, RocksDbCluster store, LoadRecorder recorder)
{
    public async Task PutAsync(ShardKey key, byte[] value, CancellationToken cancellationToken)
    {
        while (true)
        {
            var node = routing.Current.Route(key).Node;
            var result = await store.Node(node).PutAsync(key, value, cancellationToken);
            if (result.Applied)
            {
                recorder.Record(key.Span, RequestKind.Write, value.Length);
                return;
            }

            // Not the owner any more: the routing changed under us; route again with the new version.
        }
    }

    public byte[]? Get(ShardKey key)
    {
        while (true)
        {
            var node = routing.Current.Route(key).Node;
            var result = store.Node(node).Get(key);
            if (result.Status == StoreStatus.Ok)
            {
                var value = result.Value?.ToArray();
                recorder.Record(key.Span, RequestKind.Read, value?.Length ?? 0);
                return value;
            }
        }
    }
}
