using Microsoft.Extensions.Time.Testing;
using PredictiveSharding.Topology;
using static PredictiveSharding.Planning.Tests.Instances;

namespace PredictiveSharding.Planning.Tests.Rules;

/// <summary>A host's <see cref="IPartitionIdSource"/> names what splits and merges create, instead of ids that grow.</summary>
public sealed class PartitionIdSourceTests
{
    [Test]
    public void Plan_WithAnIdSource_NamesASplitsChildrenFromIt()
    {
        var source = new SequenceIds("r");

        var plan = Planner(source).Plan(HotPartitionRequest(), CancellationToken.None);

        var split = plan.Actions.OfType<SplitAction>().Single();
        Assert.That(split.NewPartitions.Select(p => p.Value), Is.EqualTo(new[] { "r1", "r2", "r3" }));
        Assert.That(source.Calls, Is.EqualTo(new[] { "split p00 0/3", "split p00 1/3", "split p00 2/3" }));
        Assert.That(plan.Actions.OfType<MoveAction>().Select(m => m.Shard.Value), Is.SubsetOf(new[] { "r1", "r2", "r3", "p01", "p02", "p03" }), "moves name the new ids");
    }

    [Test]
    public void Plan_WithAnIdSource_NamesAMergeFromIt()
    {
        var source = new SequenceIds("r");
        var specs = new[] { new Spec(0, 20), new Spec(0, 20), new Spec(1, 300), new Spec(1, 200) };
        var request = Request([NodeOf(0, 1000), NodeOf(1, 1000)], specs, Constraints() with { AllowMerges = true });

        var plan = Planner(source).Plan(request, CancellationToken.None);

        var merge = plan.Actions.OfType<MergeAction>().Single();
        Assert.That(merge.Merged.Value, Is.EqualTo("r1"));
        Assert.That(source.Calls, Is.EqualTo(new[] { "merge p00 p01" }));
    }

    [Test]
    public void Plan_WhenTheSourceProposesAnIdTheClusterHas_MakesItUnique()
    {
        // A source that restarted its sequence below ids already in use: the plan must not reuse a live partition's id.
        var plan = Planner(new SequenceIds("p0", start: 1)).Plan(HotPartitionRequest(), CancellationToken.None);

        var split = plan.Actions.OfType<SplitAction>().Single();
        Assert.That(split.NewPartitions.Select(p => p.Value), Is.EqualTo(new[] { "p01~2", "p02~2", "p03~2" }));
    }

    [Test]
    public void Plan_WhenTheSourceReturnsNoId_ThrowsNamingTheSourceAndThePartition()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Planner(new NoIds()).Plan(HotPartitionRequest(), CancellationToken.None))!;

        Assert.That(error.Message, Does.Contain(nameof(NoIds)).And.Contain("child 0 of 3 of 'p00'"));
    }

    private static GeneticShardPlanner Planner(IPartitionIdSource source)
    {
        var options = Options();
        options.PartitionIds = source;
        return new GeneticShardPlanner(options, new FakeTimeProvider());
    }

    /// <summary>p00 at 1.2 × the 800 allowance: split 3 ways (as in <see cref="SplitRuleTests"/>).</summary>
    private static PlanningRequest HotPartitionRequest() =>
        Request(
            [NodeOf(0, 1000), NodeOf(1, 1000), NodeOf(2, 1000), NodeOf(3, 1000)],
            [new Spec(0, 960) { Samples = UniformSamples(0, 12) }, new Spec(1, 100), new Spec(2, 100), new Spec(3, 100)]);

    /// <summary>Ids from a counter, as a catalog's range-id sequence would give them; records each call.</summary>
    private sealed class SequenceIds(string prefix, int start = 1) : IPartitionIdSource
    {
        private int _next = start;

        public List<string> Calls { get; } = [];

        public PartitionId SplitChild(PartitionId parent, int index, int ways)
        {
            Calls.Add($"split {parent} {index}/{ways}");
            return Next();
        }

        public PartitionId Merged(PartitionId left, PartitionId right)
        {
            Calls.Add($"merge {left} {right}");
            return Next();
        }

        private PartitionId Next() => new(prefix + _next++.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    private sealed class NoIds : IPartitionIdSource
    {
        public PartitionId SplitChild(PartitionId parent, int index, int ways) => default;

        public PartitionId Merged(PartitionId left, PartitionId right) => default;
    }
}
