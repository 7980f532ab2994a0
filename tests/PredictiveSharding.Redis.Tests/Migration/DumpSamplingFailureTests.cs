using PredictiveSharding.Planning;
using PredictiveSharding.Redis.Cluster;
using PredictiveSharding.Redis.Migration;
using PredictiveSharding.Redis.Slots;
using PredictiveSharding.Redis.Tests.Infrastructure;
using PredictiveSharding.Routing;
using PredictiveSharding.Topology;
using StackExchange.Redis;

namespace PredictiveSharding.Redis.Tests.Migration;

/// <summary>The sampling reads (DUMP on the source before each batch leaves it) fail as the other commands do.</summary>
[Category("Redis")]
[NonParallelizable]
public sealed class DumpSamplingFailureTests : RedisClusterFixture
{
    protected override int FirstPort => 27400;

    private async Task<(RoutingTable Routing, PartitionRoute Route, NodeId Target, KeyValueWorkload Workload)> LoadAsync(int index, string prefix)
    {
        var map = await CurrentMapAsync(maxSlotsPerPartition: 2);
        var candidates = map.Routes.Where(r => HashSlotRange.FromKeyRange(r.Range).Count == 2).ToList();
        var route = candidates[(index * 37) % candidates.Count];
        var nodes = map.Routes.Select(r => r.Node).Distinct().OrderBy(n => n.Value, StringComparer.Ordinal).ToList();
        var target = nodes[(nodes.IndexOf(route.Node) + 1) % nodes.Count];
        var workload = new KeyValueWorkload(Connection.GetDatabase(), KeyValueWorkload.KeysIn([HashSlotRange.FromKeyRange(route.Range)], perSlot: 4, prefix: prefix));
        await workload.LoadAsync();
        return (new RoutingTable(map), route, target, workload);
    }

    [Test]
    public async Task Execute_WhenASamplingReadTimesOutOnce_RetriesItAndCompletes()
    {
        var (routing, route, target, workload) = await LoadAsync(index: 1, prefix: "dump-once:");
        var (connection, faults) = FaultyDumpConnection.Wrap(Connection, route.Node.Value, failures: 1);
        using var executor = new RedisSlotMigrationExecutor(connection, routing, new RedisMigrationOptions { JournalPath = NewJournalPath(), KeysPerBatch = 2, SampledKeysPerSlot = 2, RetryDelay = TimeSpan.FromMilliseconds(10), FailOnSampleMismatch = true });

        // The timeout used to escape ExecuteAsync as a raw RedisTimeoutException, past the roll-back, with the slot left open.
        var summary = await executor.ExecuteAsync(MigrationTests.Plan(new MoveAction(route.Partition, route.Node, target, 1, DateTimeOffset.UnixEpoch, TimeSpan.Zero, "test")), CancellationToken.None);

        Assert.That(faults.Failed, Is.EqualTo(1), "the fault was injected");
        Assert.That(summary.Errors, Is.Empty);
        Assert.That(summary.Completed, Is.EqualTo(1));
        var report = executor.LastMoves.Single();
        Assert.That(report.Retries, Is.GreaterThanOrEqualTo(1));
        Assert.That(report.SampledKeys, Is.EqualTo(4), "the retried read is still a sample");
        Assert.That(report.SampleMismatches, Is.Zero);
        Assert.That(await workload.LostWritesAsync(), Is.Empty);
    }

    [Test]
    public async Task Execute_WhenSamplingReadsKeepTimingOut_FailsLikeAnyCommandAndRollsBack()
    {
        var (routing, route, target, workload) = await LoadAsync(index: 2, prefix: "dump-always:");
        var source = route.Node.Value;
        var slot = HashSlotRange.FromKeyRange(route.Range).Start;
        var (connection, faults) = FaultyDumpConnection.Wrap(Connection, source, failures: int.MaxValue);
        var options = new RedisMigrationOptions { JournalPath = NewJournalPath(), KeysPerBatch = 2, SampledKeysPerSlot = 2, RetryDelay = TimeSpan.FromMilliseconds(10) };
        using var executor = new RedisSlotMigrationExecutor(connection, routing, options);

        var summary = await executor.ExecuteAsync(MigrationTests.Plan(new MoveAction(route.Partition, route.Node, target, 1, DateTimeOffset.UnixEpoch, TimeSpan.Zero, "test")), CancellationToken.None);

        Assert.That(faults.Failed, Is.GreaterThanOrEqualTo(options.Attempts));
        Assert.That(summary.RolledBack, Is.EqualTo(1));
        Assert.That(summary.Errors.Single(), Does.Contain($"DUMP on '{source}' for slot {slot} failed {options.Attempts} time(s)").And.Contain("unreachable"));
        var view = await new RedisClusterAdmin(Connection).ReadViewAsync(CancellationToken.None);
        Assert.That(view.OpenSlots(), Is.Empty, "the slot was closed again, not left open");
        Assert.That(view.OwnerOf(slot)!.Address, Is.EqualTo(source));
        Assert.That(routing.Current.Get(route.Partition).Node, Is.EqualTo(route.Node));
        Assert.That(await workload.LostWritesAsync(), Is.Empty);
    }

    [TestCase(false, 3)]
    [TestCase(true, 4)]
    public async Task Execute_WhenCancelledAsACommandFails_LeavesTheMoveToTheResumePolicyRatherThanJournallingARollBack(bool timeout, int index)
    {
        // The host stops the executor just as a sampling read fails (its connection dropped, or it timed out): retrying
        // stops for the cancellation and lets the error through. That is the cancellation, not a failed move: nothing is
        // rolled back, so the journal must not say it is (the dropped connection was taken for a failure and journalled
        // RollBack; the timeout escaped raw), and the default policy (Resume) finishes the move at the next recovery.
        var (routing, route, target, workload) = await LoadAsync(index, prefix: "dump-cancel-" + timeout + ":");
        var (connection, faults) = FaultyDumpConnection.Wrap(Connection, route.Node.Value, failures: 1);
        if (!timeout)
        {
            faults.Fault = static () => new RedisConnectionException(ConnectionFailureType.SocketClosed, CommandFlags.None, "connection dropped (injected by the test: DUMP)");
        }

        using var cancel = new CancellationTokenSource();
        faults.OnFault = cancel.Cancel;
        var journal = NewJournalPath();
        using var executor = new RedisSlotMigrationExecutor(connection, routing, new RedisMigrationOptions { JournalPath = journal, KeysPerBatch = 2, SampledKeysPerSlot = 2, RetryDelay = TimeSpan.FromMilliseconds(10) });
        var move = new MoveAction(route.Partition, route.Node, target, 1, DateTimeOffset.UnixEpoch, TimeSpan.Zero, "test");

        Assert.That(() => executor.ExecuteAsync(MigrationTests.Plan(move), cancel.Token), Throws.InstanceOf<OperationCanceledException>());
        Assert.That(faults.Failed, Is.EqualTo(1), "the fault was injected");
        Assert.That(new Redis.Migration.Journal.MigrationJournal(journal).OpenMoves().Single().RollingBack, Is.False, "the journal holds the move as begun, not as rolling back");

        var report = await executor.RecoverAsync(CancellationToken.None);

        Assert.That(report.Resumed, Is.EqualTo(new[] { route.Partition.Value }), string.Join("; ", report.Unfinished));
        Assert.That(report.RolledBack, Is.Empty);
        var view = await new RedisClusterAdmin(Connection).ReadViewAsync(CancellationToken.None);
        Assert.That(view.OpenSlots(), Is.Empty);
        Assert.That(view.OwnerOf(HashSlotRange.FromKeyRange(route.Range).Start)!.Address, Is.EqualTo(target.Value));
        Assert.That(routing.Current.Get(route.Partition).Node, Is.EqualTo(target));
        Assert.That(await workload.LostWritesAsync(), Is.Empty);
    }

    [Test]
    public async Task Recover_WhenCancelledAsACommandFails_ThrowsRatherThanReportingTheMoveUnfinished()
    {
        // A crash left a move open; the recovery that resumes it is cancelled just as a sampling read loses its
        // connection. It used to report the move unfinished with the connection error (and ExecuteAsync then refused the
        // plan as though a master were down) instead of throwing the cancellation.
        var (routing, route, target, workload) = await LoadAsync(index: 5, prefix: "recover-cancel:");
        var journal = NewJournalPath();
        var options = new RedisMigrationOptions { JournalPath = journal, KeysPerBatch = 2, SampledKeysPerSlot = 2, RetryDelay = TimeSpan.FromMilliseconds(10) };
        using (var crashing = new RedisSlotMigrationExecutor(Connection, routing, options) { StepHook = (step, _, _) => step == MigrationStep.Opened ? throw new SimulatedCrashException() : ValueTask.CompletedTask })
        {
            Assert.That(() => crashing.ExecuteAsync(MigrationTests.Plan(new MoveAction(route.Partition, route.Node, target, 1, DateTimeOffset.UnixEpoch, TimeSpan.Zero, "test")), CancellationToken.None), Throws.TypeOf<SimulatedCrashException>());
        }

        var (connection, faults) = FaultyDumpConnection.Wrap(Connection, route.Node.Value, failures: 1);
        faults.Fault = static () => new RedisConnectionException(ConnectionFailureType.SocketClosed, CommandFlags.None, "connection dropped (injected by the test: DUMP)");
        using var cancel = new CancellationTokenSource();
        faults.OnFault = cancel.Cancel;
        using var restarted = new RedisSlotMigrationExecutor(connection, routing, options);

        Assert.That(() => restarted.RecoverAsync(cancel.Token), Throws.InstanceOf<OperationCanceledException>());
        Assert.That(faults.Failed, Is.EqualTo(1), "the fault was injected");

        var report = await restarted.RecoverAsync(CancellationToken.None);

        Assert.That(report.Resumed, Is.EqualTo(new[] { route.Partition.Value }), string.Join("; ", report.Unfinished));
        Assert.That(routing.Current.Get(route.Partition).Node, Is.EqualTo(target));
        Assert.That(await workload.LostWritesAsync(), Is.Empty);
    }

    [Test]
    public async Task Execute_WhenACommandKeepsFailingOverManyAttempts_WaitsAtMostTheDefaultRetryDelayCapBetweenThem()
    {
        // The delay doubled with every retry without a bound: 25 attempts from 1 minute waited 2^23 minutes before the
        // last (16 years), and past 17 doublings the wait passed what a timer takes. The back-off stops at MaxRetryDelay
        // (1 minute by default), so the 24 retries take 24 minutes of the test's clock.
        var (routing, route, target, workload) = await LoadAsync(index: 6, prefix: "dump-backoff:");
        var (connection, faults) = FaultyDumpConnection.Wrap(Connection, route.Node.Value, failures: int.MaxValue);
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var options = new RedisMigrationOptions { JournalPath = NewJournalPath(), KeysPerBatch = 2, SampledKeysPerSlot = 2, Attempts = 25, RetryDelay = TimeSpan.FromMinutes(1) };
        using var executor = new RedisSlotMigrationExecutor(connection, routing, options, time);
        using var stop = new CancellationTokenSource();

        var run = executor.ExecuteAsync(MigrationTests.Plan(new MoveAction(route.Partition, route.Node, target, 1, DateTimeOffset.UnixEpoch, TimeSpan.Zero, "test")), stop.Token);
        for (var wait = 0; wait < 3000 && faults.Failed == 0 && !run.IsCompleted; wait++)
        {
            // The clock starts once the move has reached its first sampling read (opening the slot takes real round trips).
            await Task.WhenAny(run, Task.Delay(10));
        }

        for (var minute = 0; minute < 100 && !run.IsCompleted; minute++)
        {
            // Each step lets the retry reach its next wait before the clock moves on; a step that comes early is only lost.
            await Task.WhenAny(run, Task.Delay(20));
            time.Advance(TimeSpan.FromMinutes(1));
        }

        var ended = run.IsCompleted;
        await stop.CancelAsync();
        Assert.That(ended, Is.True, $"after 100 minutes of the test's clock the move was still waiting to retry ({faults.Failed} attempts made)");
        var summary = await run;
        Assert.That(faults.Failed, Is.GreaterThanOrEqualTo(options.Attempts));
        Assert.That(summary.RolledBack, Is.EqualTo(1));
        Assert.That(summary.Errors.Single(), Does.Contain($"failed {options.Attempts} time(s)"));
        Assert.That(routing.Current.Get(route.Partition).Node, Is.EqualTo(route.Node));
        Assert.That(await workload.LostWritesAsync(), Is.Empty);
    }
}
