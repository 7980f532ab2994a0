using PredictiveSharding.TestKit.Planning;

namespace PredictiveSharding.Planning.OrTools.Tests;

/// <summary>
/// The planner conformance suite for the CP-SAT planner. Every case applies as it is: the suite's instances have no key
/// samples and no size limit, so a placement-only planner is judged on placement alone. The test cases and their
/// assertions are the base suite's (<see cref="ShardPlannerConformanceTests"/>); this fixture supplies the planner and
/// checks its premise (the suite's instances solved to proven optimality).
/// </summary>
[TestFixture]
public sealed class CpSatShardPlannerConformanceTests : ShardPlannerConformanceTests
{
    /// <summary>
    /// One worker and a deterministic time limit make the solve reproducible whatever the machine's load (the
    /// wall-clock limit is only a safety net); the suite's instances are solved to optimality well within it.
    /// </summary>
    protected override IShardPlanner CreateSut() => new CpSatShardPlanner(new CpSatPlannerOptions
    {
        Seed = 7,
        Workers = 1,
        DeterministicTimeLimit = 5,
        TimeLimit = TimeSpan.FromSeconds(60),
    });

    /// <summary>
    /// The fixture's premise: the suite's instances are solved to proven optimality within the deterministic limit, so
    /// the suite's same-seed case does not depend on where a time limit fell.
    /// </summary>
    [Test]
    public async Task Plan_OnTheSuitesSameSeedRequest_ProvesItsPlanOptimalWithinTheLimit()
    {
        var plan = await CreateSut().PlanAsync(OverloadedRequest(hotPartitions: 9, hotLoad: 130) with { Constraints = Constraints(4 * PartitionBytes) }, CancellationToken.None);

        Assert.That(plan.StoppedAtTimeLimit, Is.False);
    }
}
