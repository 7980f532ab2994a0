using PredictiveSharding.Redis.Slots;

namespace PredictiveSharding.Redis.Cluster;

/// <summary>
/// The cluster as its reachable masters describe themselves: each node's own <c>CLUSTER NODES</c> line (the only place
/// a node reports its migrating and importing slots), plus the full listing of the first node that answered.
/// </summary>
internal sealed class ClusterView
{
    private readonly int[] _ownerIndex;

    public ClusterView(IReadOnlyList<ClusterNode> listing, IReadOnlyDictionary<string, ClusterNode> self, IReadOnlyList<string> unreachable)
    {
        Listing = listing;
        Self = self;
        Unreachable = unreachable;
        Masters = [.. listing.Where(n => n.IsMaster && n.HasAddress).OrderBy(n => n.Address, StringComparer.Ordinal)];
        _ownerIndex = new int[HashSlot.Count];
        Array.Fill(_ownerIndex, -1);

        // Each reachable master's claim on its own line counts; when two claim a slot (the old owner has not yet heard
        // of a hand-over) the higher configuration epoch wins, as in Redis itself: SETSLOT NODE on the importing node
        // bumps its epoch. Masters that did not answer are represented by what the first answering node says of them.
        var epochs = new long[HashSlot.Count];
        for (var i = 0; i < Masters.Count; i++)
        {
            var master = Masters[i];
            var line = self.TryGetValue(master.Address, out var own) ? own : master;
            foreach (var range in line.Slots)
            {
                for (var slot = range.Start; slot < range.End; slot++)
                {
                    if (_ownerIndex[slot] < 0 || line.ConfigEpoch > epochs[slot])
                    {
                        _ownerIndex[slot] = i;
                        epochs[slot] = line.ConfigEpoch;
                    }
                }
            }
        }
    }

    /// <summary>Every node the first answering master knows of.</summary>
    public IReadOnlyList<ClusterNode> Listing { get; }

    /// <summary>Masters with an address, by address (a master Redis knows no address of serves no client and is left out).</summary>
    public IReadOnlyList<ClusterNode> Masters { get; }

    /// <summary>Each reachable master's own line, by address.</summary>
    public IReadOnlyDictionary<string, ClusterNode> Self { get; }

    /// <summary>Masters that did not answer.</summary>
    public IReadOnlyList<string> Unreachable { get; }

    /// <summary>The master serving <paramref name="slot"/>, or null when none does.</summary>
    public ClusterNode? OwnerOf(int slot)
    {
        var index = _ownerIndex[slot];
        return index < 0 ? null : Masters[index];
    }

    public ClusterNode? ByAddress(string address) => Masters.FirstOrDefault(m => string.Equals(m.Address, address, StringComparison.Ordinal));

    public ClusterNode? ById(string id) => Listing.FirstOrDefault(m => string.Equals(m.Id, id, StringComparison.Ordinal));

    /// <summary>Slots some reachable master reports as migrating or importing.</summary>
    public IEnumerable<int> OpenSlots() =>
        Self.Values.SelectMany(n => n.Migrating.Keys.Concat(n.Importing.Keys)).Distinct().Order();
}
