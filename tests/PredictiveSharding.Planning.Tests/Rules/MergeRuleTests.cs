using Microsoft.Extensions.Time.Testing;
using PredictiveSharding.Forecasting;
using PredictiveSharding.Keys;
using PredictiveSharding.Topology;
using static PredictiveSharding.Planning.Tests.Instances;

namespace PredictiveSharding.Planning.Tests.Rules;

public sealed class MergeRuleTests
{
    private static ShardingPlan Plan(bool allowMerges, double coldLoad, DateTimeOffset? changed = null)
    {
        var specs = new[] { new Spec(0, coldLoad), new Spec(0, coldLoad), new Spec(1, 300), new Spec(1, 200) };
        var request = Request([NodeOf(0, 1000), NodeOf(1, 1000)], specs, Constraints() with { AllowMerges = allowMerges });
        if (changed is { } c)
        {
            request = request with { LastChanged = new Dictionary<Topology.PartitionId, DateTimeOffset> { [Partition(1)] = c } };
        }

        return new GeneticShardPlanner(Options(), new FakeTimeProvider()).Plan(request, CancellationToken.None);
    }

    [Test]
    public void Plan_WhenMergesAllowedAndAdjacentPartitionsAreCold_MergesThem()
    {
        var plan = Plan(allowMerges: true, coldLoad: 20);

        var merge = plan.Actions.OfType<MergeAction>().Single();
        Assert.That((merge.Left, merge.Right), Is.EqualTo((Partition(0), Partition(1))));
        Assert.That(merge.Merged.Value, Is.EqualTo("p00+p01"));
        Assert.That(merge.Reason, Does.Contain("cold"));
    }

    [Test]
    public void Plan_WithAMergeShareOfMoreDecimalsThanTwo_NamesItAndThePairsPeakWithTheirDigits()
    {
        // 2 × 1 request at the peak step = 0.0025 of the 800 allowance, under a merge share of 0.004. The reason read
        // "together they peak at 0.003 … (≤ merge share 0.00)": a setting rounded to two decimals, below the peak it bounds.
        var options = Options();
        options.MergeShareThreshold = 0.004;
        var specs = new[] { new Spec(0, 1), new Spec(0, 1), new Spec(1, 300), new Spec(1, 200) };
        var request = Request([NodeOf(0, 1000), NodeOf(1, 1000)], specs, Constraints() with { AllowMerges = true });

        var merge = new GeneticShardPlanner(options, new FakeTimeProvider()).Plan(request, CancellationToken.None).Actions.OfType<MergeAction>().Single();

        Assert.That(merge.Reason, Does.Contain("together they peak at 0.003 of the largest node's allowance").And.Contain("(≤ merge share 0.004)"));
    }

    [Test]
    public void Plan_AtTheDefaultMergeShare_WordsTheReasonAsBefore()
    {
        var merge = Plan(allowMerges: true, coldLoad: 20).Actions.OfType<MergeAction>().Single();

        Assert.That(merge.Reason, Is.EqualTo("partitions p00 and p01 on node n0 are cold: together they peak at 0.050 of the largest node's allowance at q0.9 over the horizon (≤ merge share 0.10)"));
    }

    [Test]
    public void Plan_WhenMergesNotAllowed_DoesNotMerge()
    {
        Assert.That(Plan(allowMerges: false, coldLoad: 20).Actions.OfType<MergeAction>(), Is.Empty);
    }

    [Test]
    public void Plan_WhenTogetherTheyAreAboveTheMergeShare_DoesNotMerge()
    {
        // 2 × 60 = 120 requests = 0.15 of the 800 allowance > merge share 0.1.
        Assert.That(Plan(allowMerges: true, coldLoad: 60).Actions.OfType<MergeAction>(), Is.Empty);
    }

    [Test]
    public void Plan_WhenOneIsInCooldown_DoesNotMerge()
    {
        Assert.That(Plan(allowMerges: true, coldLoad: 20, changed: Now.AddMinutes(-2)).Actions.OfType<MergeAction>(), Is.Empty);
    }

    [Test]
    public void Plan_UnderTheBurstPreset_DoesNotMergeAPairThatWouldBeSplitAgainAtQ099()
    {
        // p0 and p1 are cold at q0.9 (20 each: 0.05 of an allowance together) but 250 each at q0.99: together 0.5 of a
        // node, over the preset's split share 0.35, on a node forecast over capacity at q0.99. Before, they were merged
        // and the next plan split the merged partition again, every cooldown.
        var plan = BurstPlan([("p0", "", "b", 0, 20, 250), ("p1", "b", "c", 0, 20, 250), ("p2", "c", "d", 0, 300, 600), ("p3", "d", null, 1, 100, 120)]);

        Assert.That(plan.Actions.OfType<MergeAction>(), Is.Empty);
    }

    [Test]
    public void Plan_UnderTheBurstPreset_WhatAMergeWouldHaveMadeIsSplitOnItsQ099Peak()
    {
        // The other half of the thrash: the partition the merge would have made (40 at q0.9, 500 at q0.99) is split.
        var plan = BurstPlan([("m", "", "c", 0, 40, 500), ("p2", "c", "d", 0, 300, 600), ("p3", "d", null, 1, 100, 120)]);

        Assert.That(plan.Actions.OfType<SplitAction>().Select(a => a.Partition.Value), Does.Contain("m"));
    }

    [Test]
    public void Plan_UnderTheBurstPreset_StillMergesAPairColdAtQ099Too()
    {
        // 30 each at q0.99: together 0.06 of a node, far below the split share 0.35 × (1 − 0.2)².
        var plan = BurstPlan([("p0", "", "b", 0, 20, 30), ("p1", "b", "c", 0, 20, 30), ("p2", "c", "d", 0, 300, 600), ("p3", "d", null, 1, 100, 120)]);

        var merge = plan.Actions.OfType<MergeAction>().Single();
        Assert.That((merge.Left.Value, merge.Right.Value), Is.EqualTo(("p0", "p1")));
    }

    /// <summary>A plan under <see cref="GeneticPlannerOptions.ForBurstBoundForecasts"/> with merges allowed; each partition has two sampled keys and the given q0.9 and q0.99 at both of two steps on 1,000-request nodes.</summary>
    private static ShardingPlan BurstPlan((string Id, string Start, string? End, int Node, double Q90, double Q99)[] parts)
    {
        var options = GeneticPlannerOptions.ForBurstBoundForecasts();
        options.Seed = 1;
        options.DegreeOfParallelism = 1;
        var nodes = new[] { NodeOf(0, 1000), NodeOf(1, 1000) };
        var infos = new List<PartitionInfo>();
        var series = new Dictionary<PartitionId, IReadOnlyDictionary<ResourceKind, QuantileSeries>>();
        foreach (var (id, start, end, node, q90, q99) in parts)
        {
            infos.Add(new PartitionInfo(new PartitionId(id), KeyRange.FromStrings(start, end), nodes[node].Id, 1_000_000, 100)
            {
                KeySamples = [new KeySample(ShardKey.FromString(start + "1"), 1), new KeySample(ShardKey.FromString(start + "2"), 1)],
            });
            series[new PartitionId(id)] = new Dictionary<ResourceKind, QuantileSeries>
            {
                [ResourceKind.Requests] = new QuantileSeries(2, 3, [0.8 * q90, q90, q99, 0.8 * q90, q90, q99]),
            };
        }

        var constraints = new PlanningConstraints { AllowMerges = true, MaxPartitionBytes = null, LocalityWeight = 0 };
        var request = new PlanningRequest(new ClusterSnapshot(nodes, infos, 1), new LoadForecast(Now, TimeSpan.FromMinutes(1), [0.5, 0.9, 0.99], series), constraints, Now);
        return new GeneticShardPlanner(options, new FakeTimeProvider()).Plan(request, CancellationToken.None);
    }
}
