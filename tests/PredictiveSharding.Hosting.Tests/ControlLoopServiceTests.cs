using Microsoft.Extensions.Time.Testing;
using PredictiveSharding.Hosting.ControlLoop;
using PredictiveSharding.Hosting.Inventory;
using PredictiveSharding.Hosting.Tests.Fakes;
using PredictiveSharding.Routing;
using PredictiveSharding.Telemetry;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Hosting.Tests;

/// <summary>The hosted service's start and stop, called as a host calls them.</summary>
public sealed class ControlLoopServiceTests
{
    private const int Started = 1012;
    private const int Stopped = 1008;
    private const int StopTimedOut = 1013;

    [Test]
    public async Task StartThenStop_LogsStartedOnceThenStoppedOnce()
    {
        using var rig = new ServiceRig();

        await rig.Service.StartAsync(CancellationToken.None);
        await rig.Service.StopAsync(CancellationToken.None);

        Assert.That(rig.Logger.Records.Select(r => r.EventId).Where(id => id is Started or Stopped), Is.EqualTo(new[] { Started, Stopped }));
        Assert.That(rig.Logger.Records.Single(r => r.EventId == Started).Message, Does.Contain(TimeSpan.FromMinutes(1).ToString()), "names the interval");
    }

    [Test]
    public async Task StartWhoseTokenIsAlreadyCancelledThenStop_LogsStartedAndStoppedOnce()
    {
        // A host stopped before the loop's first await: .NET 10 runs ExecuteAsync on the thread pool with the stopping
        // token, so it never ran and "stopped" was not logged, while the start (its interval warning) was.
        using var rig = new ServiceRig();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await rig.Service.StartAsync(cancelled.Token);
        await rig.Service.StopAsync(CancellationToken.None);

        Assert.That(rig.Logger.Records.Select(r => r.EventId).Where(id => id is Started or Stopped), Is.EqualTo(new[] { Started, Stopped }));
    }

    [Test]
    public async Task StopWithoutStart_LogsNothing()
    {
        // A host whose start failed before reaching this service still stops it: the loop never ran, so it did not stop.
        using var rig = new ServiceRig();

        await rig.Service.StopAsync(CancellationToken.None);

        Assert.That(rig.Logger.Records.Where(r => r.EventId is Started or Stopped), Is.Empty);
    }

    [Test]
    public async Task StopWhoseWaitEndsBeforeTheRunningCycle_SaysTheStopTimedOutRatherThanStopped()
    {
        // The host's shutdown timeout ends the wait while a cycle (here a planner that ignores cancellation) still runs:
        // "stopped" would tell an operator nothing of the loop runs any more.
        using var rig = new ServiceRig();
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        rig.Planner.Gate = _ =>
        {
            entered.TrySetResult();
            return release.Task;
        };
        await rig.Service.StartAsync(CancellationToken.None);
        for (var i = 0; i < 500 && !entered.Task.IsCompleted; i++)
        {
            rig.Time.Advance(TimeSpan.FromMinutes(1));
            await Task.Delay(10);
        }

        Assert.That(entered.Task.IsCompleted, Is.True, "a cycle reached the planner");
        using var timedOut = new CancellationTokenSource();
        await timedOut.CancelAsync();
        await rig.Service.StopAsync(timedOut.Token);
        release.SetResult();
        await rig.Service.ExecuteTask!;

        Assert.That(rig.Logger.Records.Select(r => r.EventId).Where(id => id is Started or Stopped or StopTimedOut), Is.EqualTo(new[] { Started, StopTimedOut }));
    }

    private sealed class ServiceRig : IDisposable
    {
        private readonly LoadRecorder _recorder;
        private readonly ShardingControlLoop _loop;

        public ServiceRig()
        {
            var time = Time;
            var routing = TwoRanges.Routing();
            var options = new ControlLoopOptions { Interval = TimeSpan.FromMinutes(1), Horizon = 5, WarmupBuckets = 1 };
            _recorder = new LoadRecorder(routing, new LoadRecorderOptions { BucketLength = options.Interval }, time);
            var nodes = new[] { TwoRanges.N1, TwoRanges.N2 }.Select(n => new NodeInfo(n, new Dictionary<ResourceKind, double> { [ResourceKind.Requests] = 100 })).ToArray();
            _loop = new ShardingControlLoop(routing, _recorder, new LastValueForecaster(), Planner, new RoutingOnlyExecutor(routing), new FixedClusterInventory(nodes, _ => (1000, 10)), options, time);
            Service = new ControlLoopService(_loop, time, Logger);
        }

        public CapturingLogger<ControlLoopService> Logger { get; } = new();

        public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero));

        public HotPartitionPlanner Planner { get; } = new();

        public ControlLoopService Service { get; }

        public void Dispose()
        {
            Service.Dispose();
            _loop.Dispose();
            _recorder.Dispose();
        }
    }
}
