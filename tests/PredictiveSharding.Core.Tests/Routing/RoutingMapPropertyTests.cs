using FsCheck;
using FsCheck.Fluent;
using PredictiveSharding.Keys;
using PredictiveSharding.Routing;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Core.Tests.Routing;

/// <summary>Property: after any sequence of splits, merges and moves the map covers the key space exactly once.</summary>
public sealed class RoutingMapPropertyTests
{
    private static readonly NodeId[] Nodes = [new("n0"), new("n1"), new("n2")];

    /// <summary>An operation: kind (0 split, 1 merge, 2 move), which partition, a key to split at, a node.</summary>
    private sealed record Op(int Kind, int Partition, byte[] Key, int Node);

    private static Gen<byte[]> KeyGen() =>
        Gen.Choose(0, 4).SelectMany(length => Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b), length));

    private static Gen<Op> OpGen() =>
        from kind in Gen.Choose(0, 2)
        from partition in Gen.Choose(0, 1000)
        from key in KeyGen()
        from node in Gen.Choose(0, Nodes.Length - 1)
        select new Op(kind, partition, key, node);

    [Test]
    public void AnySequenceOfChanges_KeepsCoverageAndUniqueOwnership()
    {
        var gen = from ops in Gen.ListOf(OpGen(), 60) from probes in Gen.ArrayOf(KeyGen(), 40) select (ops, probes);
        Prop.ForAll(gen.ToArbitrary(), input =>
        {
            var map = RoutingMap.WholeKeySpace(new PartitionId("root"), Nodes[0]);
            var nextId = 0;
            foreach (var op in input.ops)
            {
                var route = map.Routes[op.Partition % map.Count];
                RoutingChange change = op.Kind switch
                {
                    0 => new SplitChange(route.Partition, [ShardKey.FromBytes(op.Key)], [new PartitionId("s" + nextId++), new PartitionId("s" + nextId++)]),
                    1 => new MergeChange(route.Partition, map.Routes[(op.Partition + 1) % map.Count].Partition, new PartitionId("m" + nextId++)),
                    _ => new MoveChange(route.Partition, Nodes[op.Node]),
                };
                try
                {
                    var next = map.Apply(change);
                    Assert.That(next.Version, Is.EqualTo(map.Version + 1));
                    map = next;
                }
                catch (ArgumentException)
                {
                    // An invalid change (split key at a boundary, non-adjacent merge, move to the owner) is refused; the map stays as it was.
                }

                AssertCoversKeySpaceOnce(map, input.probes);
            }
        }).QuickCheckThrowOnFailure();
    }

    private static void AssertCoversKeySpaceOnce(RoutingMap map, byte[][] probes)
    {
        Assert.That(map.Routes[0].Range.Start.IsEmpty, Is.True, "coverage starts at the empty key");
        Assert.That(map.Routes[^1].Range.IsUnbounded, Is.True, "coverage reaches the end");
        for (var i = 1; i < map.Count; i++)
        {
            Assert.That(map.Routes[i - 1].Range.End, Is.EqualTo(map.Routes[i].Range.Start), "no gap, no overlap");
        }

        foreach (var probe in probes)
        {
            var owners = map.Routes.Where(r => r.Range.Contains(probe)).ToList();
            Assert.That(owners, Has.Count.EqualTo(1), "exactly one owner");
            Assert.That(map.Route(probe), Is.SameAs(owners[0]));
        }
    }
}
