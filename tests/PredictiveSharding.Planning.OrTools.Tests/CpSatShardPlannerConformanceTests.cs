using PredictiveSharding.TestKit.Planning;

namespace PredictiveSharding.Planning.OrTools.Tests;

/// <summary>
/// The planner conformance suite for the CP-SAT planner. Every case applies as it is: the suite's instances have no key
/// samples and no size limit, so a placement-only planner is judged on placement alone. The test cases and their
/// assertions are the base suite's (<see cref="ShardPlannerConformanceTests"/>); this fixture only supplies the planner.
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
}
