using PredictiveSharding.Planning.Genetic;
using PredictiveSharding.Planning.Placement;

namespace PredictiveSharding.Planning.Tests.Genetic;

/// <summary>
/// The overflow penalty's spread weight (GeneticPlannerOptions.OverflowSpreadWeight): six shards whose 0.99 quantile is
/// 0.7 of a node each, on two nodes, overflow whatever the placement; summed, 3 + 3 (1.1 + 1.1) and 4 + 2 (1.8 + 0.4)
/// cost the same, so nothing told the planner to spread them.
/// </summary>
public sealed class OverflowSpreadTests
{
    [Test]
    public void Evaluate_WithoutASpreadWeight_IsIndifferentBetweenPilingAndSpreadingOverflow()
    {
        var (even, uneven) = EvenAndUneven(spreadWeight: 0);

        Assert.That(even, Is.EqualTo(uneven).Within(1e-12));
        Assert.That(even, Is.EqualTo(10 * 2.2).Within(1e-12), "overflow weight 10 × (1.1 + 1.1)");
    }

    [TestCase(0.05)]
    [TestCase(1.0)]
    public void Evaluate_WithASpreadWeight_PrefersTheSameOverflowSpread(double spreadWeight)
    {
        var (even, uneven) = EvenAndUneven(spreadWeight);

        Assert.That(even, Is.LessThan(uneven));
        var expectedEven = 10 * 2 * (1.1 + (spreadWeight * 1.1 * 1.1 / 2.1));
        Assert.That(even, Is.EqualTo(expectedEven).Within(1e-9), "each node's o + κ·o²/(1 + o)");
    }

    [TestCase(0.05)]
    [TestCase(1.0)]
    public void OverflowPenalty_IsConvexAndNeverGrowsFasterThanOnePlusTheWeight(double spreadWeight)
    {
        var problem = Problem([0, 0], spreadWeight);
        double previous = 0;
        double previousSlope = 0;
        for (var o = 0.01; o <= 100; o *= 1.5)
        {
            var slope = (problem.OverflowPenalty(o + 1e-6) - problem.OverflowPenalty(o)) / 1e-6;
            Assert.That(problem.OverflowPenalty(o), Is.GreaterThan(previous));
            Assert.That(slope, Is.GreaterThanOrEqualTo(previousSlope - 1e-6), $"convex at {o}");
            Assert.That(slope, Is.LessThan(1 + spreadWeight + 1e-6), $"slope below 1 + κ at {o}");
            previous = problem.OverflowPenalty(o);
            previousSlope = slope;
        }

        Assert.That(problem.OverflowPenalty(0), Is.Zero);
    }

    private static (double Even, double Uneven) EvenAndUneven(double spreadWeight)
    {
        var even = new AssignmentChromosome(Problem([0, 0, 0, 1, 1, 1], spreadWeight));
        even.Assign([0, 0, 0, 1, 1, 1]);
        var uneven = new AssignmentChromosome(Problem([0, 0, 0, 1, 1, 1], spreadWeight));
        uneven.Assign([0, 0, 0, 0, 1, 1]);
        return (PlacementFitness.Instance.Evaluate(even), PlacementFitness.Instance.Evaluate(uneven));
    }

    /// <summary>One resource, one step, nodes of capacity 1; no load at the planning quantile, 0.7 at the 0.99; moves free.</summary>
    private static PlacementProblem Problem(int[] current, double spreadWeight)
    {
        var shards = current.Length;
        return new PlacementProblem(
            nodes: 2,
            resources: 1,
            steps: 1,
            loadQ: new double[shards],
            load99: [.. Enumerable.Repeat(0.7, shards)],
            bytes: [.. Enumerable.Repeat(1L, shards)],
            current: current,
            pinned: new bool[shards],
            invAllowance: [1 / 0.8, 1 / 0.8],
            invCapacity: [1, 1],
            moveBudgetBytes: long.MaxValue,
            moveCostWeight: 0,
            overflowWeight: 10)
        {
            OverflowSpreadWeight = spreadWeight,
        };
    }
}
