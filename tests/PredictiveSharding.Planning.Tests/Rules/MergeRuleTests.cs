using Microsoft.Extensions.Time.Testing;
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
}
