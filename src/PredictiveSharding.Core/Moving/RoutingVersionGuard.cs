using PredictiveSharding.Keys;
using PredictiveSharding.Routing;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Moving;

/// <summary>
/// The check a node makes on every host request during and after a move: does this node still own the key in the
/// current routing version? A request routed with an older version that still names this node's range is fine; one
/// whose key has moved away is stale and must be redirected. Call it atomically with the write it protects (inside the
/// node's write path, after waiting for any fence), and after a read, so a read that raced a cut-over is retried.
/// </summary>
/// <remarks>Allocation-free on the success path: one volatile read of the routing table and one binary search.</remarks>
public sealed class RoutingVersionGuard
{
    private readonly IRoutingTable _routing;

    /// <summary>Creates a guard over the cluster's routing table.</summary>
    public RoutingVersionGuard(IRoutingTable routing)
    {
        ArgumentNullException.ThrowIfNull(routing);
        _routing = routing;
    }

    /// <summary>The routing version in force now.</summary>
    public long CurrentVersion => _routing.Current.Version;

    /// <summary>True when <paramref name="node"/> owns <paramref name="key"/> in the current routing version.</summary>
    public bool IsOwner(NodeId node, ReadOnlySpan<byte> key) => _routing.Current.Route(key).Node == node;

    /// <summary>True when <paramref name="node"/> owns <paramref name="key"/> in the current routing version; also returns that version.</summary>
    public bool IsOwner(NodeId node, ReadOnlySpan<byte> key, out long currentVersion)
    {
        var map = _routing.Current;
        currentVersion = map.Version;
        return map.Route(key).Node == node;
    }

    /// <summary>Throws when <paramref name="node"/> does not own <paramref name="key"/> in the current routing version.</summary>
    /// <param name="node">The node serving the request.</param>
    /// <param name="key">The request's key.</param>
    /// <param name="requestVersion">The routing version the request was routed with (-1 when unknown); only reported.</param>
    /// <returns>The current routing version, in which the node owns the key.</returns>
    /// <exception cref="StaleRoutingException">The key is owned by another node now.</exception>
    public long EnsureOwner(NodeId node, ShardKey key, long requestVersion = -1)
    {
        var map = _routing.Current;
        var owner = map.Route(key.Span).Node;
        if (owner != node)
        {
            throw new StaleRoutingException(key, node, requestVersion, map.Version, owner);
        }

        return map.Version;
    }
}
