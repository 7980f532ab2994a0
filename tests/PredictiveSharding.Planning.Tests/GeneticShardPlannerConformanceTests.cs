using Microsoft.Extensions.Time.Testing;
using PredictiveSharding.TestKit.Planning;

namespace PredictiveSharding.Planning.Tests;

/// <summary>
/// The TestKit's planner suite against the genetic planner (a fake clock, so the time budget never cuts a run short).
/// The test cases and their assertions are the base suite's (<see cref="ShardPlannerConformanceTests"/>); this fixture
/// only supplies the planner.
/// </summary>
[TestFixture]
public sealed class GeneticShardPlannerConformanceTests : ShardPlannerConformanceTests
{
    protected override IShardPlanner CreateSut() =>
        new GeneticShardPlanner(new GeneticPlannerOptions { Seed = 7, MaxGenerations = 60 }, new FakeTimeProvider());
}
