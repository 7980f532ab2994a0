using PredictiveSharding.Keys;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Core.Tests.Topology;

public sealed class ClusterSnapshotTests
{
    private static readonly NodeInfo N1 = new(new NodeId("n1"), new Dictionary<ResourceKind, double> { [ResourceKind.Requests] = 100 }, "eu");
    private static readonly NodeInfo N2 = new(new NodeId("n2"), new Dictionary<ResourceKind, double> { [ResourceKind.Requests] = 100 }, "us");

    private static PartitionInfo P(string id, string start, string? end, string node = "n1") =>
        new(new PartitionId(id), KeyRange.FromStrings(start, end), new NodeId(node), 10, 1);

    [Test]
    public void Constructor_SortsPartitionsByStart()
    {
        var snapshot = new ClusterSnapshot([N1, N2], [P("b", "m", null, "n2"), P("a", "", "m")], 3);
        Assert.That(snapshot.Partitions.Select(p => p.Id.Value), Is.EqualTo(new[] { "a", "b" }));
        Assert.That(snapshot.GetNode(new NodeId("n2")).Region, Is.EqualTo("us"));
    }

    [Test]
    public void Constructor_WhenSizesAddUpBeyondALong_ThrowsNamingThePartition()
    {
        // Planners sum sizes (moved bytes, merges, move budgets); past long.MaxValue the budget checks overflowed.
        PartitionInfo Sized(string id, string start, string? end) => new(new PartitionId(id), KeyRange.FromStrings(start, end), new NodeId("n1"), long.MaxValue / 2, 1);

        var ex = Assert.Throws<ArgumentException>(() => new ClusterSnapshot([N1], [Sized("a", "", "f"), Sized("b", "f", "m"), Sized("c", "m", null)], 0));
        Assert.That(ex!.Message, Does.Contain("'c'").And.Contain("bytes"));
    }

    [Test]
    public void Constructor_DefaultIds_Throw()
    {
        // default(NodeId) and default(PartitionId) have no text; they were accepted and failed later, far from the cause.
        var nameless = new NodeInfo(default, new Dictionary<ResourceKind, double> { [ResourceKind.Requests] = 100 });
        Assert.That(() => new ClusterSnapshot([N1, nameless], [P("a", "", null)], 0), Throws.ArgumentException.With.Property("ParamName").EqualTo("nodes"));
        Assert.That(
            () => new ClusterSnapshot([N1], [new PartitionInfo(default, KeyRange.Full, N1.Id, 10, 1)], 0),
            Throws.ArgumentException.With.Property("ParamName").EqualTo("partitions").And.Message.Contains("+inf"));
    }

    [Test]
    public void Constructor_WithGap_ThrowsNamingBothPartitions()
    {
        var ex = Assert.Throws<ArgumentException>(() => new ClusterSnapshot([N1], [P("a", "", "f"), P("b", "m", null)], 0));
        Assert.That(ex!.Message, Does.Contain("Gap").And.Contain("'a'").And.Contain("'b'"));
    }

    [Test]
    public void Constructor_WithOverlap_Throws()
    {
        Assert.That(() => new ClusterSnapshot([N1], [P("a", "", "p"), P("b", "m", null)], 0), Throws.ArgumentException.With.Message.Contains("overlap"));
    }

    [Test]
    public void Constructor_NotStartingAtEmptyKey_Throws()
    {
        Assert.That(() => new ClusterSnapshot([N1], [P("a", "c", null)], 0), Throws.ArgumentException.With.Message.Contains("gap before"));
    }

    [Test]
    public void Constructor_NotReachingEnd_Throws()
    {
        Assert.That(() => new ClusterSnapshot([N1], [P("a", "", "c")], 0), Throws.ArgumentException.With.Message.Contains("gap after"));
    }

    [Test]
    public void Constructor_DuplicateIdsOrUnknownNode_Throw()
    {
        Assert.That(() => new ClusterSnapshot([N1, N1], [P("a", "", null)], 0), Throws.ArgumentException.With.Message.Contains("'n1'"));
        Assert.That(() => new ClusterSnapshot([N1], [P("a", "", "m"), P("a", "m", null)], 0), Throws.ArgumentException.With.Message.Contains("'a'"));
        Assert.That(() => new ClusterSnapshot([N1], [P("a", "", null, "n9")], 0), Throws.ArgumentException.With.Message.Contains("'n9'"));
    }

    [Test]
    public void Partitions_CastBack_CannotBeChangedBehindTheCoverageCheck()
    {
        // Partitions was the snapshot's own List: a cast back let a partition overlapping the others in (or took one out,
        // leaving a gap) behind the constructor's checks, and GetPartition no longer agreed with Partitions.
        var snapshot = new ClusterSnapshot([N1], [P("b", "m", null), P("a", "", "m")], 0);
        var partitions = (ICollection<PartitionInfo>)snapshot.Partitions;

        Assert.That(() => partitions.Add(P("c", "", null)), Throws.InstanceOf<NotSupportedException>());
        Assert.That(() => partitions.Remove(snapshot.Partitions[0]), Throws.InstanceOf<NotSupportedException>());
        Assert.That(snapshot.Partitions.Select(p => p.Id.Value), Is.EqualTo(new[] { "a", "b" }));
    }

    [Test]
    public void NodeInfo_CapacityCastBack_CannotBeChangedBehindTheCheck()
    {
        // Capacity was the node's own Dictionary: a cast back set a capacity the constructor refuses (NaN, negative), which
        // the planners then divided by.
        var node = new NodeInfo(new NodeId("n"), new Dictionary<ResourceKind, double> { [ResourceKind.Cpu] = 8 });
        var capacity = (IDictionary<ResourceKind, double>)node.Capacity;

        Assert.That(() => capacity[ResourceKind.Cpu] = double.NaN, Throws.InstanceOf<NotSupportedException>());
        Assert.That(node.Capacity[ResourceKind.Cpu], Is.EqualTo(8));
    }

    [Test]
    public void NodeAndPartition_NegativeOrNaNValues_ThrowNamingValue()
    {
        Assert.That(() => new NodeInfo(new NodeId("n"), new Dictionary<ResourceKind, double> { [ResourceKind.Cpu] = -1 }), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("-1"));
        Assert.That(() => new NodeInfo(new NodeId("n"), new Dictionary<ResourceKind, double> { [ResourceKind.Cpu] = double.NaN }), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("NaN"));
        Assert.That(() => new PartitionInfo(new PartitionId("p"), KeyRange.Full, new NodeId("n"), -5, 0), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("-5"));
        Assert.That(() => new PartitionId(" "), Throws.ArgumentException);
    }

    [Test]
    public void PartitionInfo_NullKeySamples_ThrowsNamingThem()
    {
        // KeySamples took null (null!, a deserializer) without a look, unlike RegionMix beside it; the planner's split-key
        // search then failed with a NullReferenceException naming no partition.
        Assert.That(
            () => new PartitionInfo(new PartitionId("p"), KeyRange.Full, new NodeId("n1"), 10, 1) { KeySamples = null! },
            Throws.InstanceOf<ArgumentNullException>().With.Property(nameof(ArgumentException.ParamName)).EqualTo(nameof(PartitionInfo.KeySamples)).And.Message.Contains("'p'"));
    }

    [Test]
    public void PartitionInfo_RegionMixChangedByTheCallerAfterwards_KeepsWhatWasChecked()
    {
        // RegionMix checked the caller's dictionary and kept it: a share set afterwards (NaN, negative) went past the check,
        // and a host that refilled one dictionary for each partition in turn gave every partition the last one's mix.
        var mix = new Dictionary<string, double>(StringComparer.OrdinalIgnoreCase) { ["eu"] = 0.75, ["us"] = 0.25 };
        var partition = new PartitionInfo(new PartitionId("p"), KeyRange.Full, new NodeId("n1"), 10, 1) { RegionMix = mix };
        mix["eu"] = double.NaN;
        mix.Remove("us");

        Assert.That(partition.RegionMix, Is.EquivalentTo(new Dictionary<string, double> { ["eu"] = 0.75, ["us"] = 0.25 }));
        Assert.That(partition.RegionMix["EU"], Is.EqualTo(0.75), "regions are looked up as the caller's dictionary looked them up");
        Assert.That(partition.RegionMix, Is.Not.InstanceOf<Dictionary<string, double>>(), "a cast back cannot change it either");
        Assert.That(new PartitionInfo(new PartitionId("q"), KeyRange.Full, new NodeId("n1"), 10, 1).RegionMix, Is.Not.InstanceOf<Dictionary<string, double>>());
    }
}
