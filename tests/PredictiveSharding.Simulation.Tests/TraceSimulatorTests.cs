using PredictiveSharding.Planning;
using PredictiveSharding.TestKit;

namespace PredictiveSharding.Simulation.Tests;

public class TraceSimulatorTests
{
    private static GeneticShardPlanner Planner(SimulationContext context) =>
        new GeneticShardPlanner(new GeneticPlannerOptions { Seed = context.Seed, MoveCostWeight = 0.5, DegreeOfParallelism = 1 });

    [Test]
    public async Task RunAsync_OnAPredictableShiftingHotSpot_OracleOverloadsNoMoreThanStatic()
    {
        // 4 blocks of 4 keys; one block at a time is hot (52 of 64 requests per step) and the hot block changes every
        // 15 steps. 4 partitions = the 4 blocks, one per node: static overloads the hot block's node at every step.
        var loads = TestTraces.ShiftingHotSpot(steps: 60, dwell: 15);
        var options = new SimulationOptions { Nodes = 4, Partitions = 4, WarmupFraction = 0.25, HorizonSteps = 6, Strategies = [StrategyNames.Static, StrategyNames.Oracle] };
        var simulator = new TraceSimulator(options) { PlannerFactory = Planner };

        var report = await simulator.RunAsync(loads, null, CancellationToken.None);

        var staticResult = report.Find(StrategyNames.Static)!;
        var oracle = report.Find(StrategyNames.Oracle)!;
        Assert.Multiple(() =>
        {
            Assert.That(staticResult.OverloadedNodeSteps, Is.EqualTo(45), "the hot block's node is over capacity at every measured step");
            Assert.That(oracle.OverloadedNodeSteps, Is.LessThan(staticResult.OverloadedNodeSteps));
            Assert.That(oracle.Splits, Is.GreaterThan(0));
            Assert.That(report.UnavoidableNodeSteps, Is.Zero);
        });
    }

    [TestCase(0.7, 90, 63)]
    [TestCase(0.35, 180, 63)]
    [TestCase(0.57, 100, 57)]
    [TestCase(0.3, 90, 27)]
    [TestCase(1.0 / 3, 90, 30)]
    [TestCase(0.9999999999999999, 10, 9)]
    public async Task RunAsync_WarmupIsTheShareOfTheTrace_NotOneStepShortByBinaryRounding(double share, int steps, int expected)
    {
        // 0.7 × 90 is 62.99999999999999 in binary floating point: the warm-up was 62 steps, and step 62 was counted.
        var loads = TestTraces.Minutes(TestTraces.Repeat(1, steps), TestTraces.Repeat(1, steps));
        var options = new SimulationOptions { Nodes = 2, Partitions = 2, NodeCapacity = 10, WarmupFraction = share, Strategies = [StrategyNames.Static] };

        var report = await new TraceSimulator(options).RunAsync(loads, null, CancellationToken.None);

        Assert.That(report.WarmupSteps, Is.EqualTo(expected));
    }

    [Test]
    public async Task RunAsync_P99Utilization_IsReportedAtTheUtilisationsPrecisionWithoutBinaryNoise()
    {
        // Node 0 holds 12 of capacity 10 at every step: its p99 is 1.2, which widening a float printed as 1.2000000476837158.
        var loads = TestTraces.Minutes(TestTraces.Repeat(12, 20), TestTraces.Repeat(1, 20));
        var options = new SimulationOptions { Nodes = 2, Partitions = 2, NodeCapacity = 10, WarmupFraction = 0.2, Strategies = [StrategyNames.Static] };

        var report = await new TraceSimulator(options).RunAsync(loads, null, CancellationToken.None);

        Assert.That(report.Find(StrategyNames.Static)!.P99Utilization, Is.EqualTo(1.2));
    }

    [Test]
    public async Task RunAsync_WithEveryStrategy_ReportsThemInOrderWithTheGridsBestAsReactive()
    {
        var loads = TestTraces.ShiftingHotSpot(steps: 40, dwell: 10);
        var forecaster = new LastValueForecaster();
        var options = new SimulationOptions
        {
            Nodes = 4,
            Partitions = 4,
            HorizonSteps = 4,
            ReactiveThresholds = [0.25, 0.5],
            ReactiveConsecutiveSteps = [1, 2],
        };
        var simulator = new TraceSimulator(options) { PlannerFactory = Planner, ForecasterFactory = _ => forecaster };

        var report = await simulator.RunAsync(loads, null, CancellationToken.None);

        var reactive = report.Find(StrategyNames.Reactive)!;
        Assert.Multiple(() =>
        {
            Assert.That(report.Strategies.Select(s => s.Name), Is.EqualTo(StrategyNames.All));
            Assert.That(report.ReactiveGrid, Has.Count.EqualTo(4));
            Assert.That(reactive.OverloadedNodeSteps, Is.EqualTo(report.ReactiveGrid.Min(g => g.OverloadedNodeSteps)));
            Assert.That(report.Find(StrategyNames.ReactiveDefault)!.Setting, Does.Contain("0.25 × node capacity, 1 consecutive step"));
            Assert.That(forecaster.IsFitted, Is.True, "the predictive strategy trains its forecaster after the warm-up");
            Assert.That(forecaster.Updates, Is.GreaterThan(0), "and fine-tunes it as the replay goes on");
            Assert.That(report.WarmupSteps, Is.EqualTo(12));
            Assert.That(report.Strategies.Select(s => s.OverloadNodeMinutes), Is.EqualTo(report.Strategies.Select(s => (double)s.OverloadedNodeSteps)), "one-minute steps");
            Assert.That(report.Strategies.Select(s => s.MoveOverloadNodeMinutes), Is.EqualTo(report.Strategies.Select(s => (double)s.MoveOverloadedNodeSteps)), "one-minute steps");
            Assert.That(report.Strategies.Concat(report.ReactiveGrid), Has.All.Matches<StrategyResult>(s => s.MoveOverloadedNodeSteps <= s.OverloadedNodeSteps), "overload by moves is part of the overload");
            Assert.That(report.Find(StrategyNames.Static)!.MoveOverloadedNodeSteps, Is.Zero, "static moves nothing");
            Assert.That(reactive.MoveOverloadedNodeSteps, Is.EqualTo(report.ReactiveGrid.First(g => g.Setting == reactive.Setting).MoveOverloadedNodeSteps), "the grid's best is reported with its own figures");
        });
    }

    [Test]
    public async Task RunAsync_WhenMovesAddNoLoad_NoOverloadIsByCopies()
    {
        // With no copy load a node's load is its requests, so whatever overloads it, it is not the strategy's moves.
        var loads = TestTraces.ShiftingHotSpot(steps: 40, dwell: 10);
        var options = new SimulationOptions
        {
            Nodes = 4,
            Partitions = 4,
            HorizonSteps = 4,
            MoveOverheadShare = 0,
            Strategies = [StrategyNames.Static, StrategyNames.ReactiveDefault, StrategyNames.Oracle],
        };
        var simulator = new TraceSimulator(options) { PlannerFactory = Planner };

        var report = await simulator.RunAsync(loads, null, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(report.Strategies.Sum(s => s.Moves), Is.GreaterThan(0), "some strategy moved");
            Assert.That(report.Find(StrategyNames.Static)!.OverloadedNodeSteps, Is.GreaterThan(0), "and the trace overloads");
            Assert.That(report.Strategies.Select(s => s.MoveOverloadedNodeSteps), Is.All.Zero);
        });
    }

    [Test]
    public async Task RunAsync_WithTheDefaultForecasterOnAShortWarmup_TrainsAfterTheWarmupAndPlansOverASizedHorizon()
    {
        // Warm-up 30 steps: the LSTM's default window (context 24 + horizon 12) fits in it once, which used to leave the
        // strategy untrained for the first replay steps and then trained on one window; sized to half the warm-up
        // (horizon 5, context 10) it trains on the warm-up at the first plan.
        var loads = TestTraces.ShiftingHotSpot(steps: 100, dwell: 15);
        var options = new SimulationOptions { Nodes = 4, Partitions = 4, WarmupFraction = 0.3, HorizonSteps = 12, Strategies = [StrategyNames.Predictive, StrategyNames.Oracle] };
        var simulator = new TraceSimulator(options) { PlannerFactory = Planner };

        var report = await simulator.RunAsync(loads, null, CancellationToken.None);

        var predictive = report.Find(StrategyNames.Predictive)!;
        Assert.Multiple(() =>
        {
            Assert.That(report.WarmupSteps, Is.EqualTo(30));
            Assert.That(predictive.Warnings.Where(w => w.Contains("not trained", StringComparison.Ordinal)), Is.Empty);
            Assert.That(predictive.Setting, Does.Contain("horizon 5 steps"));
            Assert.That(report.Find(StrategyNames.Oracle)!.Setting, Does.Contain("horizon 12 steps"), "the bound keeps the run's horizon");
        });
    }

    // A history window shorter than the default LSTM's context passed validation, and the run failed at the predictive
    // strategy's first forecast, after the strategies before it had replayed, with the LSTM's "Series 'p000' has 9
    // buckets; the LSTM needs a context of 10", which named no option.
    [Test]
    public void RunAsync_WithAHistoryWindowShorterThanTheDefaultForecastersContext_ThrowsNamingHistoryWindowStepsBeforeAnyReplay()
    {
        // Warm-up 30 steps: the LSTM reads a context of 10 (see the test above).
        var loads = TestTraces.ShiftingHotSpot(steps: 100, dwell: 15);
        var options = new SimulationOptions { Nodes = 4, Partitions = 4, WarmupFraction = 0.3, HorizonSteps = 12, HistoryWindowSteps = 9, Strategies = [StrategyNames.Static, StrategyNames.Predictive] };
        var reports = new List<SimulationProgress>();

        Assert.That(
            async () => await new TraceSimulator(options) { PlannerFactory = Planner }.RunAsync(loads, new SynchronousProgress<SimulationProgress>(reports.Add), CancellationToken.None),
            Throws.ArgumentException.With.Message.Contains("SimulationOptions.HistoryWindowSteps").And.Message.Contains("got 9").And.Message.Contains("context of 10"));
        Assert.That(reports, Is.Empty, "refused before the static strategy replayed");
    }

    [Test]
    public async Task RunAsync_WithAHistoryWindowAsLongAsTheDefaultForecastersContext_Plans()
    {
        var loads = TestTraces.ShiftingHotSpot(steps: 100, dwell: 15);
        var options = new SimulationOptions { Nodes = 4, Partitions = 4, WarmupFraction = 0.3, HorizonSteps = 12, HistoryWindowSteps = 10, Strategies = [StrategyNames.Predictive] };

        var report = await new TraceSimulator(options) { PlannerFactory = Planner }.RunAsync(loads, null, CancellationToken.None);

        Assert.That(report.Find(StrategyNames.Predictive)!.Plans, Is.GreaterThan(0));
    }

    [Test]
    public async Task RunAsync_AtEveryPlan_HandsTheForecasterEachPartitionsOwnLoadFromTheTrace()
    {
        // The planned strategy keeps each partition's buckets between plans (they never change once replayed); what it
        // hands the forecaster must still be exactly the trace's requests for the partition's keys, for partitions made
        // by splits as well, and end at the step forecast from.
        var loads = TestTraces.ShiftingHotSpot(steps: 60, dwell: 15);
        var checking = new TraceCheckingForecaster(new LastValueForecaster(), loads);
        var options = new SimulationOptions { Nodes = 4, Partitions = 4, WarmupFraction = 0.25, HorizonSteps = 6, HistoryWindowSteps = 20, Strategies = [StrategyNames.Predictive] };

        var report = await new TraceSimulator(options) { PlannerFactory = Planner, ForecasterFactory = _ => checking }.RunAsync(loads, null, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(report.Find(StrategyNames.Predictive)!.Splits, Is.GreaterThan(0), "premise: the plans split partitions");
            Assert.That(checking.NewSeriesChecked, Is.GreaterThan(0), "premise: partitions made by splits were forecast");
            Assert.That(checking.SeriesChecked, Is.GreaterThan(45 * 4), "a forecast at every replayed step");
            Assert.That(checking.Mismatches, Is.Empty);
        });
    }

    [Test]
    public async Task RunAsync_WithMoveCostWeight_PricesThePredictivePlannersMoves()
    {
        var loads = TestTraces.ShiftingHotSpot(steps: 60, dwell: 15);
        async Task<StrategyResult> PredictiveAt(double weight)
        {
            var options = new SimulationOptions { Nodes = 4, Partitions = 4, HorizonSteps = 4, MoveCostWeight = weight, Strategies = [StrategyNames.Predictive] };
            var report = await new TraceSimulator(options) { ForecasterFactory = _ => new LastValueForecaster() }.RunAsync(loads, null, CancellationToken.None);
            return report.Find(StrategyNames.Predictive)!;
        }

        var free = await PredictiveAt(0);
        var dear = await PredictiveAt(1e6);

        Assert.Multiple(() =>
        {
            Assert.That(free.BytesMoved, Is.Positive, "free moves spread the hot block's pieces");
            Assert.That(dear.BytesMoved, Is.Zero, "no predicted peak is worth a move at that price");
            Assert.That(dear.Setting, Does.Contain(", move cost 1000000,"));
        });
    }

    [Test]
    public async Task RunAsync_WithACustomForecasterOnAShortWarmup_GivesItTheRunsHorizon()
    {
        var loads = TestTraces.ShiftingHotSpot(steps: 40, dwell: 10);
        var seen = new List<SimulationContext>();
        var options = new SimulationOptions { Nodes = 4, Partitions = 4, HorizonSteps = 8, Strategies = [StrategyNames.Predictive] };
        var simulator = new TraceSimulator(options)
        {
            PlannerFactory = Planner,
            ForecasterFactory = context =>
            {
                seen.Add(context);
                return new LastValueForecaster();
            },
        };

        var report = await simulator.RunAsync(loads, null, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(seen.Select(c => c.HorizonSteps), Is.EqualTo(new[] { 8 }));
            Assert.That(report.Find(StrategyNames.Predictive)!.Setting, Does.Contain("horizon 8 steps"));
        });
    }

    [Test]
    public async Task RunAsync_WhenOneKeyIsHotterThanANode_CountsUnavoidableNodeSteps()
    {
        // Capacity 10; key 0 has 15 at steps 2 and 3; warm-up 1 step.
        var loads = TestTraces.Minutes([1, 1, 15, 15, 1], [1, 1, 1, 1, 1]);
        var options = new SimulationOptions { Nodes = 2, NodeCapacity = 10, WarmupFraction = 0.2, Strategies = [StrategyNames.Static] };

        var report = await new TraceSimulator(options).RunAsync(loads, null, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(report.UnavoidableNodeSteps, Is.EqualTo(2));
            Assert.That(report.Strategies[0].OverloadedNodeSteps, Is.EqualTo(2));
        });
    }

    [Test]
    public async Task RunAsync_ReportsProgressThroughEveryReplay()
    {
        var loads = TestTraces.ShiftingHotSpot(steps: 20, dwell: 5);
        var reports = new List<SimulationProgress>();
        var options = new SimulationOptions { Nodes = 2, Strategies = [StrategyNames.Static, StrategyNames.ReactiveDefault] };

        await new TraceSimulator(options).RunAsync(loads, new SynchronousProgress<SimulationProgress>(reports.Add), CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(reports.Select(r => r.Run).Distinct(), Is.EqualTo(new[] { 1, 2 }));
            Assert.That(reports.Where(r => r.Step == r.TotalSteps).Select(r => r.Strategy), Is.EqualTo(new[] { StrategyNames.Static, StrategyNames.ReactiveDefault }));
        });
    }

    [Test]
    public void RunAsync_WhenCancelled_Throws()
    {
        var loads = TestTraces.ShiftingHotSpot(steps: 20, dwell: 5);
        using var cancellation = new CancellationTokenSource();
        cancellation.Cancel();
        var options = new SimulationOptions { Nodes = 2, Strategies = [StrategyNames.ReactiveDefault] };

        Assert.That(async () => await new TraceSimulator(options).RunAsync(loads, null, cancellation.Token), Throws.InstanceOf<OperationCanceledException>());
    }

    // RunAsync replayed on the caller's thread until its first real wait (the LSTM's training): every static and reactive
    // replay, seconds on a long trace, ran before it handed back a task, so a caller could not cancel from that thread
    // (a UI's cancel button) nor do anything else meanwhile.
    [Test]
    public async Task RunAsync_ReturnsItsTaskBeforeReplaying()
    {
        var loads = TestTraces.ShiftingHotSpot(steps: 20, dwell: 5);
        var options = new SimulationOptions { Nodes = 2, Strategies = [StrategyNames.Static, StrategyNames.ReactiveDefault] };
        using var returned = new ManualResetEventSlim();
        bool? firstReportAfterReturn = null;
        var progress = new SynchronousProgress<SimulationProgress>(_ =>
        {
            // Before the fix the first report came on the caller's thread, inside RunAsync: the wait times out.
            firstReportAfterReturn ??= returned.Wait(TimeSpan.FromSeconds(10));
        });

        var task = new TraceSimulator(options).RunAsync(loads, progress, CancellationToken.None);
        returned.Set();
        await task;

        Assert.That(firstReportAfterReturn, Is.True);
    }

    [Test]
    public void RunAsync_WhenTheTraceHasNoRequests_ThrowsNamingTheProblem()
    {
        var loads = TestTraces.Minutes([0, 0], [0, 0]);

        Assert.That(async () => await new TraceSimulator(new SimulationOptions()).RunAsync(loads, null, CancellationToken.None), Throws.ArgumentException.With.Message.Contains("no requests").And.Message.Contains("--node-capacity"));
    }

    [Test]
    public void RunAsync_WhenPartitionsExceedKeys_ThrowsNamingBoth()
    {
        var loads = TestTraces.Minutes([1, 1], [1, 1]);

        Assert.That(async () => await new TraceSimulator(new SimulationOptions { Partitions = 3 }).RunAsync(loads, null, CancellationToken.None), Throws.ArgumentException.With.Message.Contains("key count (2); got 3"));
    }

    // The message named neither the flag (psharding printed "simulate: SimulationOptions.Partitions must be …", where
    // every other sizing message names its flag) nor the fan-out: "the trace's key count (8000)" for a trace of 500 keys.
    [Test]
    public void RunAsync_WhenPartitionsExceedTheFannedOutKeys_ThrowsNamingTheFlagKeysAndFanout()
    {
        var loads = TestTraces.Minutes([1, 1], [1, 1], [1, 1]).Expand(2);
        var options = new SimulationOptions { Partitions = 7, KeyFanout = 2, Strategies = [StrategyNames.Static] };

        Assert.That(
            async () => await new TraceSimulator(options).RunAsync(loads, null, CancellationToken.None),
            Throws.ArgumentException.With.Message.Contains("--partitions").And.Message.Contains("3 keys × key fan-out 2").And.Message.Contains("got 7"));
    }

    [Test]
    public void Expand_SharesEachKeysRequestsOverItsRangeInOrder()
    {
        var loads = TestTraces.Minutes([4, 8], [2, 2]);

        var expanded = loads.Expand(4);

        Assert.Multiple(() =>
        {
            Assert.That(expanded.KeyCount, Is.EqualTo(8));
            Assert.That(expanded.Keys, Is.Ordered);
            Assert.That(expanded.RangeSum(1, 0, 4), Is.EqualTo(8));
            Assert.That(expanded.Row(0).ToArray(), Is.EqualTo(new[] { 1.0, 1, 1, 1, 0.5, 0.5, 0.5, 0.5 }));
        });
    }

    [TestCase(2, "a", "a\u0000")]
    [TestCase(65536, "user", "user-1")]
    public void Expand_AKeyThatIsAPrefixOfAnother_KeepsTheRangesApartAndInOrder(int fanout, string shorter, string longer)
    {
        // "user" followed by a two-byte index reaches "user-1" ("user" + 0x2D 0x31) at index 11569 and past it: the ranges
        // interleaved and the expanded trace was refused as "Trace keys must be strictly ascending".
        var keys = new[] { PredictiveSharding.Keys.ShardKey.FromString(shorter), PredictiveSharding.Keys.ShardKey.FromString(longer) };
        var loads = new PredictiveSharding.Simulation.Cluster.KeyLoads(keys, TestTraces.Start, TimeSpan.FromMinutes(1), [[fanout], [2.0 * fanout]]);

        var expanded = loads.Expand(fanout);

        Assert.Multiple(() =>
        {
            Assert.That(expanded.KeyCount, Is.EqualTo(2 * fanout));
            Assert.That(expanded.Keys, Is.Ordered.And.Unique);
            Assert.That(expanded.RangeSum(0, 0, fanout), Is.EqualTo(fanout));
            Assert.That(expanded.RangeSum(0, fanout, 2 * fanout), Is.EqualTo(2.0 * fanout));
        });
    }

    [Test]
    public void Expand_WhenKeysTimesFanoutPassTheLargestArray_ThrowsArgumentExceptionNamingTheCounts()
    {
        // 32,769 keys × 65,536 = 2,147,549,184 keys: more than an int counts, and more cells than a replay can hold.
        var keys = Enumerable.Range(0, 32769).Select(k => PredictiveSharding.Keys.ShardKey.FromString($"k{k:D5}")).ToArray();
        var loads = new PredictiveSharding.Simulation.Cluster.KeyLoads(keys, TestTraces.Start, TimeSpan.FromMinutes(1), keys.Select(_ => new[] { 1.0 }).ToArray());

        Assert.That(() => loads.Expand(65536), Throws.ArgumentException.With.Message.Contains("32769 keys").And.Message.Contains("65536"));
    }

    [Test]
    public void KeyLoads_WhenAStepsRequestsSumPastTheLargestDouble_ThrowsNamingTheStep()
    {
        // Each count is finite (the trace reader checks each key's), but two keys of 1e308 at step 1 total infinity: the
        // peak was infinite, every node sized to infinite capacity, and nothing was overloaded.
        Assert.That(
            () => TestTraces.Minutes([1, 1e308], [1, 1e308]),
            Throws.ArgumentException.With.Message.Contains("step 1").And.Message.Contains("1.7976931348623157E+308"));
    }

    [Test]
    public void RunAsync_WhenTheHeadroomSizesNodesPastTheLargestDouble_ThrowsNamingHeadroom()
    {
        // A headroom of 1e-320 passes (0, 1], and peak / (nodes × headroom) is infinite: every node carried infinite load,
        // the replay reported nothing overloaded, and simulate --json threw writing the capacity.
        var loads = TestTraces.Minutes([1, 1, 1], [1, 1, 1]);
        var options = new SimulationOptions { Nodes = 2, Headroom = 1e-320, Strategies = [StrategyNames.Static] };

        Assert.That(
            async () => await new TraceSimulator(options).RunAsync(loads, null, CancellationToken.None),
            Throws.ArgumentException.With.Message.Contains("Headroom").And.Message.Contains("1E-320"));
    }

    [Test]
    public void RunAsync_WithACooldownLongerThanATimeSpanAtTheTracesStep_Replays()
    {
        // CooldownSteps is at least 0 and nothing more: int.MaxValue hourly steps (245,000 years) overflowed the planner's
        // cooldown TimeSpan, an OverflowException from inside the oracle's plan. A cooldown past the trace's end is the same.
        var loads = TestTraces.Build(TimeSpan.FromHours(1), TestTraces.Repeat(5, 12), TestTraces.Repeat(1, 12), TestTraces.Repeat(9, 12), TestTraces.Repeat(1, 12));
        var options = new SimulationOptions { Nodes = 2, CooldownSteps = int.MaxValue, Strategies = [StrategyNames.Oracle], HorizonSteps = 2, PlanEverySteps = 1 };

        Assert.That(async () => await new TraceSimulator(options).RunAsync(loads, null, CancellationToken.None), Throws.Nothing);
    }

    [Test]
    public void RunAsync_WhenBytesPerKeyTimesKeysPassA64BitCount_ThrowsNamingBytesPerKey()
    {
        var loads = TestTraces.Minutes([1, 1, 1], [1, 1, 1], [1, 1, 1], [1, 1, 1]);
        var options = new SimulationOptions { Nodes = 2, BytesPerKey = long.MaxValue / 2, Strategies = [StrategyNames.Static] };

        Assert.That(
            async () => await new TraceSimulator(options).RunAsync(loads, null, CancellationToken.None),
            Throws.ArgumentException.With.Message.Contains("BytesPerKey").And.Message.Contains((long.MaxValue / 2).ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Test]
    public void Setup_WithMoreNodesThanFourTimesAnIntHolds_DefaultsPartitionsToTheKeyCount()
    {
        // 4 × 600,000,000 nodes passes int.MaxValue: the default is still capped at the 3 keys, not a negative count.
        var loads = TestTraces.Minutes([1, 1], [1, 1], [1, 1]);

        var setup = new TraceSimulator(new SimulationOptions { Nodes = 600_000_000 }).Setup(loads);

        Assert.That(setup.InitialPartitions, Is.EqualTo(3));
    }

    [Test]
    public void RunAsync_WhenNodesTimesStepsPassTheLargestArray_ThrowsNamingNodes()
    {
        var loads = TestTraces.Minutes([1, 1, 1], [1, 1, 1]);
        var options = new SimulationOptions { Nodes = 1_000_000_000, Strategies = [StrategyNames.Static] };

        Assert.That(
            async () => await new TraceSimulator(options).RunAsync(loads, null, CancellationToken.None),
            Throws.ArgumentException.With.Message.Contains("SimulationOptions.Nodes").And.Message.Contains("1000000000"));
    }

    [Test]
    public void RunAsync_WhenThePlannedHorizonIsLongerThanTheTrace_ThrowsNamingHorizonSteps()
    {
        // A horizon past the whole trace forecasts only steps after its end (zeros for the oracle); --horizon 100000000
        // on a 30-step trace had the oracle allocate gigabytes per plan.
        var loads = TestTraces.Minutes([1, 2, 3, 4, 5], [1, 1, 1, 1, 1]);
        var options = new SimulationOptions { Nodes = 2, HorizonSteps = 1000, Strategies = [StrategyNames.Static, StrategyNames.Oracle] };

        Assert.That(
            async () => await new TraceSimulator(options).RunAsync(loads, null, CancellationToken.None),
            Throws.ArgumentException.With.Message.Contains("SimulationOptions.HorizonSteps").And.Message.Contains("1000").And.Message.Contains("5 steps"));
    }

    [Test]
    public async Task RunAsync_WithoutPlannedStrategies_IgnoresAHorizonLongerThanTheTrace()
    {
        var loads = TestTraces.Minutes([1, 2, 3, 4, 5], [1, 1, 1, 1, 1]);
        var options = new SimulationOptions { Nodes = 2, HorizonSteps = 1000, Strategies = [StrategyNames.Static, StrategyNames.ReactiveDefault] };

        var report = await new TraceSimulator(options).RunAsync(loads, null, CancellationToken.None);

        Assert.That(report.Strategies, Has.Count.EqualTo(2));
    }

    [Test]
    public async Task RunAsync_CountsThePlansTheTimeLimitCutShort_AndOnlyThose()
    {
        var loads = TestTraces.ShiftingHotSpot(steps: 60, dwell: 15);
        var options = new SimulationOptions { Nodes = 4, Partitions = 4, WarmupFraction = 0.25, HorizonSteps = 6, Strategies = [StrategyNames.Static, StrategyNames.Oracle] };

        // The same search under a clock that moves a second per read (its 2 s budget ends every search) and one that never moves.
        var cut = await new TraceSimulator(options) { PlannerFactory = c => TimedPlanner(c, new SteppingTimeProvider(TimeSpan.FromSeconds(1))) }.RunAsync(loads, null, CancellationToken.None);
        var whole = await new TraceSimulator(options) { PlannerFactory = c => TimedPlanner(c, new SteppingTimeProvider(TimeSpan.Zero)) }.RunAsync(loads, null, CancellationToken.None);

        var (cutOracle, wholeOracle) = (cut.Find(StrategyNames.Oracle)!, whole.Find(StrategyNames.Oracle)!);
        Assert.Multiple(() =>
        {
            Assert.That(cutOracle.Plans, Is.GreaterThan(0));
            Assert.That(cutOracle.PlansStoppedAtTimeLimit, Is.InRange(1, cutOracle.Plans), "every plan that searched was cut short");
            Assert.That(wholeOracle.Plans, Is.GreaterThan(0));
            Assert.That(wholeOracle.PlansStoppedAtTimeLimit, Is.Zero);
            Assert.That((cut.Find(StrategyNames.Static)!.Plans, cut.Find(StrategyNames.Static)!.PlansStoppedAtTimeLimit), Is.EqualTo((0L, 0L)), "static never plans");
        });
    }

    private static GeneticShardPlanner TimedPlanner(SimulationContext context, TimeProvider clock) =>
        new(new GeneticPlannerOptions { Seed = context.Seed, MoveCostWeight = 0.5, DegreeOfParallelism = 1, MaxGenerations = 1000, StagnationLimit = 1000, TimeBudget = TimeSpan.FromSeconds(2) }, clock);
}
