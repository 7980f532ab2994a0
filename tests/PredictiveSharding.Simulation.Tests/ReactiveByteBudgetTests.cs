using PredictiveSharding.Planning;
using PredictiveSharding.Simulation.Cluster;
using PredictiveSharding.Simulation.Strategies.Planned;
using PredictiveSharding.Simulation.Strategies.Reactive;

namespace PredictiveSharding.Simulation.Tests;

public class ReactiveByteBudgetTests
{
    private const long Mib = 1L << 20;

    private static SimulationOptions Options(double budget, params string[] strategies) => new()
    {
        // The grid reduced to the budget's shadow, so that the reactive column is what the budget follows.
        ReactiveThresholds = [0.03],
        ReactiveConsecutiveSteps = [1],
        Nodes = 4,
        Partitions = 4,
        HorizonSteps = 4,
        MaxConcurrentMoves = 1,
        MoveCostWeight = 0,
        ReactiveByteBudget = budget,
        Strategies = strategies,
    };

    private static Task<SimulationReport> RunAsync(double budget, params string[] strategies) =>
        new TraceSimulator(Options(budget, strategies)) { ForecasterFactory = _ => new LastValueForecaster() }
            .RunAsync(TestTraces.ShiftingHotSpot(steps: 80, dwell: 10), null, CancellationToken.None);

    [Test]
    public async Task RunAsync_WithABudget_MovesNoMoreThanItsShareOfReactiveAtTheQpsThresholdsBytesPlusOneRoundOfMoveSlots()
    {
        // On this trace reactive splits the hot block down and moves its pieces (about 39 MiB) and the free predictive
        // strategy moves less (about 14 MiB), so a tenth of reactive's bytes is what binds.
        var free = (await RunAsync(0, StrategyNames.Reactive, StrategyNames.Predictive)).Find(StrategyNames.Predictive)!;
        var report = await RunAsync(0.1, StrategyNames.Reactive, StrategyNames.Predictive);
        var reactive = report.Find(StrategyNames.Reactive)!;
        var capped = report.Find(StrategyNames.Predictive)!;

        // 16 keys of 1 MiB in 4 initial partitions: one round of one move slot is 4 MiB.
        var allowed = (0.1 * reactive.BytesMoved) + (4 * Mib);
        Assert.Multiple(() =>
        {
            Assert.That(free.BytesMoved, Is.GreaterThan(allowed), "without the budget the free moves exceed it, so the cap is what binds");
            Assert.That(capped.BytesMoved, Is.LessThanOrEqualTo(allowed));
            Assert.That(capped.BytesMoved, Is.Positive, "within the budget it still moves");
            Assert.That(capped.Setting, Does.Contain("bytes within 0.1 × what reactive at 0.03 moves + 1 partitions, never past the larger of 0.2 × and 1 partitions"));
            Assert.That(reactive.Setting, Is.EqualTo("split threshold 0.03 × node capacity, 1 consecutive step"));
            Assert.That(free.Setting, Does.Not.Contain("bytes within"));
        });
    }

    [Test]
    public async Task RunAsync_ByDefault_StaysWithinTheBytesOfReactiveAtTheQpsThresholdPlusOneRoundOfMoveSlots()
    {
        var options = new SimulationOptions { Nodes = 4, Partitions = 4, HorizonSteps = 4, MoveCostWeight = 0, ReactiveThresholds = [0.03], ReactiveConsecutiveSteps = [1], Strategies = [StrategyNames.Reactive, StrategyNames.Predictive] };
        var report = await new TraceSimulator(options) { ForecasterFactory = _ => new LastValueForecaster() }
            .RunAsync(TestTraces.ShiftingHotSpot(steps: 80, dwell: 10), null, CancellationToken.None);

        // Four move slots of the initial 4 MiB partitions, and never past twice reactive's bytes once those exceed them.
        var predictive = report.Find(StrategyNames.Predictive)!;
        var reactive = report.Find(StrategyNames.Reactive)!.BytesMoved;
        Assert.Multiple(() =>
        {
            Assert.That(predictive.BytesMoved, Is.LessThanOrEqualTo(reactive + (16 * Mib)));
            Assert.That(predictive.BytesMoved, Is.LessThanOrEqualTo(Math.Max(2 * reactive, 16 * Mib)));
            Assert.That(predictive.Setting, Does.EndWith(", bytes within 1 × what reactive at 0.03 moves + 4 partitions, never past the larger of 2 × and 4 partitions"));
        });
    }

    [Test]
    public async Task BytesMovedBy_ReplayedToTheEnd_EqualsWhatTheReactiveStrategyMovesOnItsOwn()
    {
        var loads = TestTraces.ShiftingHotSpot(steps: 80, dwell: 10);
        var options = Options(0, StrategyNames.Reactive);
        var simulator = new TraceSimulator(options);
        var alone = (await simulator.RunAsync(loads, null, CancellationToken.None)).Find(StrategyNames.Reactive)!;
        var setup = simulator.Setup(loads);
        var shadow = new ReactiveShadow(loads, setup, new ReactiveRebalancer("shadow", TraceSimulator.BudgetShadowSetting(loads.Step), options.Seed, TimeProvider.System));

        var byWarmupEnd = await shadow.BytesMovedByAsync(setup.WarmupSteps, CancellationToken.None);
        var halfway = await shadow.BytesMovedByAsync(loads.StepCount / 2, CancellationToken.None);
        var atEnd = await shadow.BytesMovedByAsync(loads.StepCount, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(alone.BytesMoved, Is.Positive, "the trace makes the reactive strategy move");
            Assert.That(byWarmupEnd, Is.LessThanOrEqualTo(halfway));
            Assert.That(halfway, Is.LessThanOrEqualTo(atEnd));
            Assert.That(atEnd, Is.EqualTo(alone.BytesMoved), "the shadow replays the strategy step for step");
        });
    }

    [Test]
    public async Task BytesMovedBy_AStepAlreadyPassed_ThrowsNamingBothSteps()
    {
        var loads = TestTraces.ShiftingHotSpot(steps: 40, dwell: 10);
        var setup = new TraceSimulator(Options(1, StrategyNames.Predictive)).Setup(loads);
        var shadow = new ReactiveShadow(loads, setup, new ReactiveRebalancer("shadow", TraceSimulator.PublishedSetting(loads.Step), 1, TimeProvider.System));
        await shadow.BytesMovedByAsync(20, CancellationToken.None);

        Assert.That(
            async () => await shadow.BytesMovedByAsync(19, CancellationToken.None),
            Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("up to step 20").And.Message.Contains("step 19"));
    }

    [Test]
    public async Task Remaining_IsTheFactorTimesTheShadowPlusTheAllowanceLessWhatMoved_NeverNegative()
    {
        var loads = TestTraces.ShiftingHotSpot(steps: 80, dwell: 10);
        var setup = new TraceSimulator(Options(1, StrategyNames.Predictive)).Setup(loads);
        var shadow = new ReactiveShadow(loads, setup, new ReactiveRebalancer("shadow", TraceSimulator.PublishedSetting(loads.Step), 1, TimeProvider.System));
        var budget = new ReactiveByteBudget(shadow, 2, 3 * Mib);
        var reactiveAtEnd = await shadow.BytesMovedByAsync(loads.StepCount, CancellationToken.None);

        var remaining = await budget.RemainingAsync(loads.StepCount, Mib, CancellationToken.None);
        var exhausted = await budget.RemainingAsync(loads.StepCount, long.MaxValue / 4, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(remaining, Is.EqualTo((2 * reactiveAtEnd) + (3 * Mib) - Mib));
            Assert.That(exhausted, Is.Zero);
        });
    }

    [Test]
    public async Task Remaining_WhenReactiveMovedLessThanTheAllowance_IsCappedAtTwiceReactivesShareOrTheAllowanceAlone()
    {
        var loads = TestTraces.ShiftingHotSpot(steps: 80, dwell: 10);
        var setup = new TraceSimulator(Options(1, StrategyNames.Predictive)).Setup(loads);
        var shadow = new ReactiveShadow(loads, setup, new ReactiveRebalancer("shadow", TraceSimulator.PublishedSetting(loads.Step), 1, TimeProvider.System));
        var reactiveAtEnd = await shadow.BytesMovedByAsync(loads.StepCount, CancellationToken.None);

        // An allowance between reactive's bytes and twice them: twice reactive's bytes bind, not reactive's plus the allowance.
        var between = new ReactiveByteBudget(shadow, 1, 1.5 * reactiveAtEnd);
        var remaining = await between.RemainingAsync(loads.StepCount, Mib, CancellationToken.None);

        // An allowance above twice reactive's bytes: the allowance alone binds.
        var large = new ReactiveByteBudget(shadow, 1, 3.0 * reactiveAtEnd);

        Assert.Multiple(() =>
        {
            Assert.That(reactiveAtEnd, Is.Positive, "the trace makes the reactive strategy move");
            Assert.That(remaining, Is.EqualTo((2 * reactiveAtEnd) - Mib));
            Assert.That(large.Allowed(reactiveAtEnd), Is.EqualTo(3.0 * reactiveAtEnd));
            Assert.That(large.Allowed(0), Is.EqualTo(3.0 * reactiveAtEnd), "before reactive moves, the allowance alone");
            Assert.That(between.Allowed(0.1 * reactiveAtEnd), Is.EqualTo(1.5 * reactiveAtEnd), "early on, the allowance alone");
        });
    }

    [Test]
    public void ReactiveByteBudget_DefaultsToOnceTheShadowsBytes_AtThePublishedQpsThresholdOverTheDetectWindow() =>
        Assert.Multiple(() =>
        {
            Assert.That(new SimulationOptions().ReactiveByteBudget, Is.EqualTo(1));
            Assert.That(TraceSimulator.BudgetShadowSetting(TimeSpan.FromMinutes(1)), Is.EqualTo(new ReactiveSettings(0.03, 1)));
            Assert.That(TraceSimulator.BudgetShadowSetting(TimeSpan.FromSeconds(2)), Is.EqualTo(new ReactiveSettings(0.03, 5)), "TiKV's 10-second detect window in 2-second steps");
        });
}
