using PredictiveSharding.Redis.Slots;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Redis.Cluster;

/// <summary>One line of <c>CLUSTER NODES</c> as the node that answered sees it.</summary>
/// <param name="Id">The node's 40-character cluster id.</param>
/// <param name="Address">host:port (the client port), which is also its <see cref="NodeId"/>.</param>
/// <param name="Flags">Flags (myself, master, slave, fail?, fail, handshake, noaddr…).</param>
/// <param name="ConfigEpoch">Its configuration epoch; when two nodes claim a slot, the higher epoch wins (Redis's own rule).</param>
/// <param name="Slots">Slots it serves, as ranges.</param>
/// <param name="Migrating">Slots it is migrating, with the id of the node each goes to (only on the answering node's own line).</param>
/// <param name="Importing">Slots it is importing, with the id of the node each comes from (only on the answering node's own line).</param>
internal sealed record ClusterNode(
    string Id,
    string Address,
    IReadOnlySet<string> Flags,
    long ConfigEpoch,
    IReadOnlyList<HashSlotRange> Slots,
    IReadOnlyDictionary<int, string> Migrating,
    IReadOnlyDictionary<int, string> Importing)
{
    public bool IsMaster => Flags.Contains("master");

    public bool IsMyself => Flags.Contains("myself");

    /// <summary>
    /// Flagged <c>fail</c> (the cluster agreed it is down), <c>fail?</c> (the answering node suspects so, PFAIL),
    /// <c>noaddr</c> or <c>handshake</c>: nothing should be moved to it.
    /// </summary>
    public bool IsFailing => Flags.Contains("fail") || Flags.Contains("fail?") || Flags.Contains("noaddr") || Flags.Contains("handshake");

    /// <summary>
    /// False for a node Redis knows no address of: flagged <c>noaddr</c> and written <c>:0@0</c>, as when another node
    /// answered at its address; nothing can be sent to it.
    /// </summary>
    public bool HasAddress => !Flags.Contains("noaddr") && RedisClusterAdmin.TrySplit(Address, out _, out _);

    public NodeId NodeId => new(Address);

    public bool Owns(int slot)
    {
        foreach (var range in Slots)
        {
            if (range.Contains(slot))
            {
                return true;
            }
        }

        return false;
    }
}
