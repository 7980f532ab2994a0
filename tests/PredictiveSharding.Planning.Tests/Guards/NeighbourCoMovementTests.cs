using PredictiveSharding.Forecasting;
using PredictiveSharding.Keys;
using PredictiveSharding.Planning.Guards;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Planning.Tests.Guards;

public class NeighbourCoMovementTests
{
    private static readonly PartitionId Piece = new("piece");
    private static readonly PartitionId Range = new("range");
    private static readonly PartitionId Loner = new("loner");
    private static readonly PartitionId Tail = new("tail");

    [Test]
    public void Apply_ByDefault_KeepsTheBoundOfAKeyMovingWithItsNeighbour_AndDropsThatOfAKeyHotOnItsOwn()
    {
        // Key order: piece [a, b) one key, range [b, c) many keys that rise and fall with piece (a hot range cut down to
        // a key), loner [c, d) one key with a course of its own, tail [d, ∞) many keys with yet another.
        var together = Noisy(seed: 1, level: 20);
        var partitions = new[]
        {
            new GuardedPartition(Piece, together, 100) { KeyCount = 1, Range = KeyRange.FromStrings("a", "b") },
            new GuardedPartition(Range, [.. together.Select(v => 3 * v)], 100) { KeyCount = 30, Range = KeyRange.FromStrings("b", "c") },
            new GuardedPartition(Loner, Noisy(seed: 2, level: 20), 100) { KeyCount = 1, Range = KeyRange.FromStrings("c", "d") },
            new GuardedPartition(Tail, Noisy(seed: 3, level: 20), 100) { KeyCount = 30, Range = KeyRange.FromStrings("d", null) },
        };

        var bounded = Guarded(new ForecastGuardOptions()).Apply(Forecast(), partitions);
        var every = Guarded(new ForecastGuardOptions { SingleKeyNeighbourCorrelation = -1 }).Apply(Forecast(), partitions);

        Assert.Multiple(() =>
        {
            Assert.That(bounded.ValueAt(Piece, ResourceKind.Requests, 0, 0.99), Is.GreaterThan(2), "a piece of a range moving together keeps its bound");
            Assert.That(bounded.ValueAt(Loner, ResourceKind.Requests, 0, 0.99), Is.EqualTo(2), "a key hot on its own: the forecaster's own q0.99");
            Assert.That(bounded.ValueAt(Range, ResourceKind.Requests, 0, 0.99), Is.GreaterThan(2), "ranges of many keys are always bounded");
            Assert.That(every.ValueAt(Loner, ResourceKind.Requests, 0, 0.99), Is.GreaterThan(2), "−1 bounds every single key, as before the setting");
            Assert.That(new ForecastGuardOptions().SingleKeyNeighbourCorrelation, Is.EqualTo(0.9));
        });
    }

    [Test]
    public void Apply_KeepsTheBoundWhereNeighboursOrHistoryCannotBeJudged()
    {
        // Each single key here would lose its bound if it could be judged: its neighbour, where there is one, moves on
        // its own course.
        var partitions = new[]
        {
            new GuardedPartition(Piece, Noisy(seed: 4, level: 20), 100) { KeyCount = 1 },
            new GuardedPartition(Range, Noisy(seed: 5, level: 20), 100) { KeyCount = 30, Range = KeyRange.FromStrings("b", "c") },
            new GuardedPartition(Loner, Noisy(seed: 6, level: 20), 100) { KeyCount = 1, Range = KeyRange.FromStrings("x", "y") },
            new GuardedPartition(Tail, [20, 21, 19, 20, 22], 100) { KeyCount = 1, Range = KeyRange.FromStrings("c", "d") },
        };

        var bounded = Guarded(new ForecastGuardOptions()).Apply(Forecast(), partitions);

        Assert.Multiple(() =>
        {
            Assert.That(bounded.ValueAt(Piece, ResourceKind.Requests, 0, 0.99), Is.GreaterThan(2), "no key range: neighbours unknown");
            Assert.That(bounded.ValueAt(Loner, ResourceKind.Requests, 0, 0.99), Is.GreaterThan(2), "no partition adjoins [x, y)");
            Assert.That(bounded.ValueAt(Tail, ResourceKind.Requests, 0, 0.99), Is.GreaterThan(2), "four changes are too few to judge");
        });
    }

    [Test]
    public void Apply_WithoutSingleKeyBounds_IgnoresTheCorrelation()
    {
        var together = Noisy(seed: 7, level: 20);
        var partitions = new[]
        {
            new GuardedPartition(Piece, together, 100) { KeyCount = 1, Range = KeyRange.FromStrings("a", "b") },
            new GuardedPartition(Range, [.. together.Select(v => 2 * v)], 100) { KeyCount = 30, Range = KeyRange.FromStrings("b", null) },
        };

        var bounded = Guarded(new ForecastGuardOptions { BoundSingleKeyBursts = false }).Apply(Forecast(), partitions);

        Assert.That(bounded.ValueAt(Piece, ResourceKind.Requests, 0, 0.99), Is.EqualTo(2));
    }

    [TestCase(1.5)]
    [TestCase(-1.01)]
    [TestCase(double.NaN)]
    public void Constructor_WithACorrelationOutOfRange_ThrowsNamingIt(double threshold) =>
        Assert.That(
            () => new ForecastGuard(new ForecastGuardOptions { SingleKeyNeighbourCorrelation = threshold }),
            Throws.TypeOf<ArgumentOutOfRangeException>().With.Property(nameof(ArgumentException.ParamName)).EqualTo("SingleKeyNeighbourCorrelation").And.Message.Contains("from -1 to 1"));

    [Test]
    public void Correlation_ComparesChangesOverTheLastSteps()
    {
        var a = Noisy(seed: 8, level: 50);
        Assert.Multiple(() =>
        {
            Assert.That(NeighbourCoMovement.Correlation(a, [.. a.Select(v => 4 * v + 7)]), Is.EqualTo(1).Within(1e-12), "a scaled, shifted copy");
            Assert.That(NeighbourCoMovement.Correlation(a, [.. a.Select(v => 100 - v)]), Is.EqualTo(-1).Within(1e-12), "a mirror");
            Assert.That(NeighbourCoMovement.Correlation(a, [.. a.Select(_ => 5.0)]), Is.EqualTo(double.PositiveInfinity), "a neighbour that never changes: cannot judge");
            Assert.That(NeighbourCoMovement.Correlation([.. Enumerable.Repeat(0.0, 30), .. a], a), Is.EqualTo(1).Within(1e-12), "aligned at the ends, the last 24 steps");
            Assert.That(NeighbourCoMovement.Correlation(a, [1, 2, 3]), Is.EqualTo(double.PositiveInfinity), "too short to judge");
        });
    }

    [Test]
    public void GuardedPartition_RangeIsUnknownUnlessGiven() =>
        Assert.That(new GuardedPartition(Piece, [1], 10).Range, Is.Null);

    /// <summary>A guard that has seen a partition triple from 20% of a node, so every bounded forecast is raised well above 2.</summary>
    private static ForecastGuard Guarded(ForecastGuardOptions options)
    {
        var guard = new ForecastGuard(options);
        guard.ObserveGrowth(new GuardedPartition(new PartitionId("grew"), [20, 60, 30], 100), from: 0);
        return guard;
    }

    private static LoadForecast Forecast() => GuardForecasts.Constant([Piece, Range, Loner, Tail], [0.5, 0.99], 2);

    /// <summary>40 steps of load around <paramref name="level"/> with seeded noise of ±25%.</summary>
    private static double[] Noisy(int seed, double level)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, 40).Select(_ => level * (0.75 + (0.5 * random.NextDouble())))];
    }
}
