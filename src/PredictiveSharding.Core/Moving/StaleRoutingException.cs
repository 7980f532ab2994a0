using System.Globalization;
using PredictiveSharding.Keys;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Moving;

/// <summary>
/// A request reached a node that no longer owns its key in the current routing version (the range moved, or the
/// caller routed it with an older map). Nothing was done; re-route with <see cref="CurrentOwner"/> (or the current map) and retry.
/// </summary>
public sealed class StaleRoutingException : Exception
{
    /// <summary>Creates the exception.</summary>
    public StaleRoutingException(ShardKey key, NodeId node, long requestVersion, long currentVersion, NodeId currentOwner)
        : base(string.Create(CultureInfo.InvariantCulture, $"Node '{node}' does not own key '{key}' in routing version {currentVersion} (the request was routed with version {requestVersion}); the owner is now '{currentOwner}'."))
    {
        Key = key;
        Node = node;
        RequestVersion = requestVersion;
        CurrentVersion = currentVersion;
        CurrentOwner = currentOwner;
    }

    /// <summary>Creates the exception with a message only (for serializers and tooling).</summary>
    public StaleRoutingException()
    {
    }

    /// <summary>Creates the exception with a message only (for serializers and tooling).</summary>
    public StaleRoutingException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and an inner exception (for serializers and tooling).</summary>
    public StaleRoutingException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The request's key.</summary>
    public ShardKey Key { get; }

    /// <summary>The node the request reached.</summary>
    public NodeId Node { get; }

    /// <summary>The routing version the request was routed with (-1 when it carried none).</summary>
    public long RequestVersion { get; }

    /// <summary>The routing version in force when the request was refused.</summary>
    public long CurrentVersion { get; }

    /// <summary>The node that owns the key in <see cref="CurrentVersion"/>.</summary>
    public NodeId CurrentOwner { get; }
}
