using Microsoft.Extensions.Time.Testing;
using PredictiveSharding.TestKit.Planning;

namespace PredictiveSharding.Planning.Tests;

/// <summary>
/// The TestKit's planner suite against the genetic planner (a fake clock, so the time budget never cuts a run short).
/// The test cases and their assertions are the base suite's (<see cref="ShardPlannerConformanceTests"/>); this fixture
/// supplies the planner and checks its premise (no run cut short by the clock).
/// </summary>
[TestFixture]
public sealed class GeneticShardPlannerConformanceTests : ShardPlannerConformanceTests
{
    protected override IShardPlanner CreateSut() =>
        new GeneticShardPlanner(new GeneticPlannerOptions { Seed = 7, MaxGenerations = 60 }, new FakeTimeProvider());

    /// <summary>The suite's same-seed case holds only if no run is cut short by the clock; the fake clock is this fixture's promise of that.</summary>
    [Test]
    public async Task Plan_OnTheSuitesSameSeedRequest_IsNeverCutShortByTheTimeBudget()
    {
        var plan = await CreateSut().PlanAsync(OverloadedRequest(hotPartitions: 9, hotLoad: 130) with { Constraints = Constraints(4 * PartitionBytes) }, CancellationToken.None);

        Assert.That(plan.StoppedAtTimeLimit, Is.False);
    }
}
