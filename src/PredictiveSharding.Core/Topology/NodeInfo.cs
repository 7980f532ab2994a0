using System.Collections.ObjectModel;

namespace PredictiveSharding.Topology;

/// <summary>A node: its capacity per resource and where it is.</summary>
public sealed record NodeInfo
{
    /// <summary>Creates a node description.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A capacity is negative, NaN or infinite.</exception>
    public NodeInfo(NodeId id, IReadOnlyDictionary<ResourceKind, double> capacity, string region = "", string zone = "")
    {
        ArgumentNullException.ThrowIfNull(capacity);
        ArgumentNullException.ThrowIfNull(region);
        ArgumentNullException.ThrowIfNull(zone);
        // Checked and kept as a read-only copy: the caller's dictionary could change after the checks, and the copy itself,
        // cast back, could too.
        var copy = new Dictionary<ResourceKind, double>(capacity);
        foreach (var (resource, value) in copy)
        {
            Guard.FiniteNonNegative(value, "capacity[" + resource.Name + "] of node " + id.Value);
        }

        Id = id;
        Capacity = new ReadOnlyDictionary<ResourceKind, double>(copy);
        Region = region;
        Zone = zone;
    }

    /// <summary>The node's id.</summary>
    public NodeId Id { get; }

    /// <summary>Capacity per resource, in the same units as the forecast load of that resource.</summary>
    public IReadOnlyDictionary<ResourceKind, double> Capacity { get; }

    /// <summary>The node's region (empty when unknown); the planner prefers serving a shard in its clients' region.</summary>
    public string Region { get; }

    /// <summary>The node's zone within its region (empty when unknown).</summary>
    public string Zone { get; }
}
