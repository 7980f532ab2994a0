using PredictiveSharding.Moving;
using PredictiveSharding.Execution.FaultInjection;
using PredictiveSharding.Execution.Journal;
using PredictiveSharding.Planning;
using static PredictiveSharding.Execution.Tests.TestCluster;

namespace PredictiveSharding.Execution.Tests.Moves;

/// <summary>
/// Kills the executor at every call it makes to the store and the journal (so at every state boundary: mid-copy,
/// mid-catch-up, during verification, fenced, around the routing switch, during clean-up and during a rollback), with host
/// writes landing between every two calls, then recovers with a new executor on the same journal and store.
/// </summary>
public sealed class CrashRecoveryTests
{
    private static ShardingPlan ThePlan() => Plan(Split("p2", "k150", "p2a", "p2b"), Move("p2b", N1, N3), Move("p3", N2, N1));

    [Test]
    public async Task RecoverAsync_AfterACrashAtEveryCall_ResumesEachUnpublishedMoveToAVerifiedCompletion()
    {
        var total = await CountCallsAsync();
        var crashedIn = new HashSet<MoveState>();
        var resumed = 0;
        var cleanedUp = 0;

        for (var n = 1; n <= total; n++)
        {
            var journal = new InMemoryMoveJournal("c");
            var run = await CrashAndRecoverAsync(n, journal, () => ValueTask.FromResult<IMoveJournal>(journal));
            crashedIn.UnionWith(run.CrashedIn);
            foreach (var action in run.Recovery.Actions.Where(a => a.Kind == ActionKind.Move))
            {
                // Nothing forces a rollback: both nodes and the source's capture are still there.
                Assert.That(action.Outcome, Is.EqualTo(ActionOutcome.Completed), $"crash at call {n}: {action.ActionId}");
                if (action.ResumedFromCheckpoint)
                {
                    resumed++;
                    Assert.That(action.Verified, Is.True, $"crash at call {n}: a resumed move is verified again before its cut-over");
                    Assert.That(action.VerifiedKeys, Is.Positive);
                }
                else
                {
                    cleanedUp++;
                }
            }

            Assert.That(journal.Records, Is.Empty, $"crash at call {n}: every action finished, so the journal is emptied");
        }

        await TestContext.Out.WriteLineAsync($"calls {total} resumed {resumed} cleaned up {cleanedUp} states {string.Join(",", crashedIn)}");
        Assert.That(crashedIn, Is.SupersetOf(new[] { MoveState.Preparing, MoveState.Copying, MoveState.CatchingUp, MoveState.Verifying, MoveState.CuttingOver, MoveState.Publishing, MoveState.CleaningUp }));
        Assert.That(resumed, Is.GreaterThan(0), "crashes before a publish were resumed");
        Assert.That(cleanedUp, Is.GreaterThan(0), "crashes after a publish were carried forward to the clean-up");
    }

    [Test]
    public async Task RecoverAsync_WithACopyThatCommitsLate_AfterACrashAtEveryCall_LosesNothingItHadNotCommitted()
    {
        // As a store that ingests files: a crash after a copy step but before its commit loses those entries, and one after
        // a commit but before the journal's checkpoint record copies them again; neither may lose a write or skip a key.
        var total = await CountCallsAsync(lateCommit: true);
        var resumed = 0;
        for (var n = 1; n <= total; n++)
        {
            var journal = new InMemoryMoveJournal("c");
            var run = await CrashAndRecoverAsync(n, journal, () => ValueTask.FromResult<IMoveJournal>(journal), lateCommit: true);
            foreach (var action in run.Recovery.Actions.Where(a => a.Kind == ActionKind.Move))
            {
                Assert.That(action.Outcome, Is.EqualTo(ActionOutcome.Completed), $"crash at call {n}: {action.ActionId}");
                resumed += action.ResumedFromCheckpoint ? 1 : 0;
            }
        }

        Assert.That(resumed, Is.GreaterThan(0));
    }

    [Test]
    public async Task RecoverAsync_AfterAMachineCrashAtEveryCall_LosingTheUnsyncedRecords_RedoesWorkAndLosesNothing()
    {
        // Records appended without a sync (copy checkpoints, catch-up, verification, the end of a move) are lost with the
        // machine: recovery starts from an earlier record and must redo work, never skip it, lose a write or double-own.
        var total = await CountCallsAsync();
        var lostSome = 0;
        var resumed = 0;
        for (var n = 1; n <= total; n++)
        {
            var journal = new InMemoryMoveJournal("c");
            var run = await CrashAndRecoverAsync(n, journal, () => ValueTask.FromResult<IMoveJournal>(journal), loseUnsynced: true);
            lostSome += run.LostRecords > 0 ? 1 : 0;
            foreach (var action in run.Recovery.Actions.Where(a => a.Kind == ActionKind.Move))
            {
                Assert.That(action.Outcome, Is.EqualTo(ActionOutcome.Completed), $"crash at call {n}: {action.ActionId}");
                if (action.ResumedFromCheckpoint)
                {
                    resumed++;
                    Assert.That(action.Verified, Is.True, $"crash at call {n}: a resumed move is verified again before its cut-over");
                }
            }

            Assert.That(journal.Records, Is.Empty, $"crash at call {n}: every action finished, so the journal is emptied");
        }

        Assert.That(lostSome, Is.GreaterThan(total / 4), "many crash points lost records");
        Assert.That(resumed, Is.GreaterThan(0));
    }

    [Test]
    public async Task RecoverAsync_WithResumeOff_AfterACrashAtEveryCall_FinishesOrUndoesEachActionAndLosesNoWrite()
    {
        var total = await CountCallsAsync();
        var recoveredForward = 0;
        var rolledBack = 0;

        for (var n = 1; n <= total; n++)
        {
            var journal = new InMemoryMoveJournal("c");
            var run = await CrashAndRecoverAsync(n, journal, () => ValueTask.FromResult<IMoveJournal>(journal), resume: false);
            recoveredForward += run.Recovery.Resumed;
            rolledBack += run.Recovery.RolledBack;
            Assert.That(run.Recovery.ResumedFromCheckpoint, Is.Zero, $"crash at call {n}: resuming is off");
            Assert.That(journal.Records, Is.Empty, $"crash at call {n}: every action finished, so the journal is emptied");
        }

        Assert.That(recoveredForward, Is.GreaterThan(0), "some crashes happened after a publish and were carried forward");
        Assert.That(rolledBack, Is.GreaterThan(0), "some crashes happened before a publish and were rolled back");
    }

    [Test]
    public async Task RecoverAsync_AfterACrashAtEveryCallOfAFailingMove_FinishesTheRollback()
    {
        var total = await CountCallsAsync(corrupt: true);
        var crashedIn = new HashSet<MoveState>();
        for (var n = 1; n <= total; n++)
        {
            var journal = new InMemoryMoveJournal("c");
            // Resuming off: a resumed copy (through a mover that no longer corrupts) could be completed legitimately
            // when a host write happens to replace the corrupted key; the rollback path is what this test is about.
            var run = await CrashAndRecoverAsync(n, journal, () => ValueTask.FromResult<IMoveJournal>(journal), corrupt: true, resume: false);
            crashedIn.UnionWith(run.CrashedIn);
            Assert.That(run.Cluster.Store.Dump(N3), Is.Empty, $"crash at call {n}: the failed move's target copy is gone");
        }

        Assert.That(crashedIn, Does.Contain(MoveState.RollingBack));
    }

    [Test]
    public async Task RecoverAsync_FromAFileJournalWithATornLastRecord_DropsItAndStaysConsistent()
    {
        var total = await CountCallsAsync();
        var directory = Directory.CreateTempSubdirectory("psharding-journal-");
        try
        {
            var repaired = 0;
            for (var n = 1; n <= total; n += 4)
            {
                var path = Path.Combine(directory.FullName, $"crash-{n}.journal");
                var first = await FileMoveJournal.OpenAsync(path, "c");
                var run = await CrashAndRecoverAsync(n, first, async () =>
                {
                    // The process died: the file is closed, and the record it was writing is half on disk.
                    await first.DisposeAsync();
                    var torn = FileMoveJournal.Encode(new MoveJournalRecord
                    {
                        ActionId = "p99-0.a0",
                        Kind = ActionKind.Move,
                        State = MoveState.Preparing,
                        Time = DateTimeOffset.UnixEpoch,
                        Partition = "p3",
                        From = "n2",
                        To = "n3",
                        RangeStart = "",
                    });
                    await using (var file = new FileStream(path, FileMode.Append))
                    {
                        await file.WriteAsync(torn.AsMemory(0, torn.Length / 2));
                    }

                    return await FileMoveJournal.OpenAsync(path, "c");
                });

                repaired += run.Recovery.JournalRepair is null ? 0 : 1;
                await ((FileMoveJournal)run.Journal).DisposeAsync();
            }

            Assert.That(repaired, Is.EqualTo((total + 3) / 4), "every torn record was detected and cut off");
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Test]
    public async Task ExecuteAsync_AfterRecovery_RunsANewPlanOnTheSameJournal()
    {
        var journal = new InMemoryMoveJournal("c");
        var run = await CrashAndRecoverAsync(30, journal, () => ValueTask.FromResult<IMoveJournal>(journal));

        var p3 = run.Cluster.Routing.Current.Get(new Topology.PartitionId("p3"));
        var back = p3.Node == N1 ? Move("p3", N1, N2) : Move("p3", N2, N3);
        await using var executor = run.Cluster.Executor(journal);
        var report = await executor.ExecuteAsync(Plan(back));

        Assert.That(report.AllCompleted, Is.True, report.Actions.Single().Error?.ToString());
        Assert.That(report.PlanId, Does.StartWith("p"));
        run.Cluster.AssertConsistent();
    }

    private static async Task<long> CountCallsAsync(bool corrupt = false, bool lateCommit = false)
    {
        var cluster = Create();
        var counter = CrashSwitch.Never();
        var journal = new InMemoryMoveJournal("c");
        var store = Store(cluster, 0, corrupt, lateCommit);
        await using var executor = cluster.Executor(new CrashingMoveJournal(journal, counter), mover: new CrashingDataMover(store, counter));
        var report = await executor.ExecuteAsync(corrupt ? FailingPlan() : ThePlan());
        Assert.That(report.AllCompleted, Is.EqualTo(!corrupt), "without a crash the plan completes (or, corrupted, rolls back)");
        Assert.That(counter.Calls, Is.GreaterThan(corrupt ? 20 : 40), "every state of the scenario makes calls");
        return counter.Calls;
    }

    private static ShardingPlan FailingPlan() => Plan(Move("p3", N2, N3));

    private static IDataMover Store(TestCluster cluster, int seed, bool corrupt, bool lateCommit = false)
    {
        DelegatingDataMover store = corrupt ? new CorruptingMover(new InterleavingWritesMover(cluster, seed, 300)) : new InterleavingWritesMover(cluster, seed, 300);
        return lateCommit ? new LateCommitMover(store) : store;
    }

    private static InterleavingWritesMover Writes(IDataMover store) => store switch
    {
        LateCommitMover late => Writes(late.Inner),
        CorruptingMover corrupting => (InterleavingWritesMover)corrupting.Inner,
        _ => (InterleavingWritesMover)store,
    };

    private static async Task<CrashRun> CrashAndRecoverAsync(long crashAt, IMoveJournal journal, Func<ValueTask<IMoveJournal>> restart, bool corrupt = false, bool resume = true, bool lateCommit = false, bool loseUnsynced = false)
    {
        var cluster = Create();
        var store = Store(cluster, (int)crashAt, corrupt, lateCommit);
        var writes = Writes(store);
        var crash = new CrashSwitch(crashAt);
        var crashing = new CrashingMoveJournal(journal, crash, loseUnsynced);
        await using (var dying = cluster.Executor(crashing, mover: new CrashingDataMover(store, crash)))
        {
            try
            {
                await dying.ExecuteAsync(corrupt ? FailingPlan() : ThePlan());
            }
            catch (SimulatedCrashException)
            {
                Assert.That(crash.HasCrashed, Is.True);
            }
        }

        var crashedIn = (await journal.ReadAsync(CancellationToken.None)).Records
            .GroupBy(r => r.ActionId)
            .Select(g => g.Last().State)
            .ToHashSet();

        var reopened = await restart();
        RecoveryReport recovery;
        var options = FastOptions();
        options.ResumeInterruptedMoves = resume;
        await using (var next = cluster.Executor(reopened, options, mover: writes))
        {
            recovery = await next.RecoverAsync();
        }

        await writes.DrainAsync();
        Assert.That(recovery.Actions.Select(a => a.Outcome), Has.All.AnyOf(ActionOutcome.Completed, ActionOutcome.RolledBack), $"crash at call {crashAt} ({crash.CrashedAt})");
        cluster.AssertConsistent();
        return new CrashRun(cluster, reopened, recovery, crashedIn, crashing.UnsyncedRecords);
    }

    private sealed record CrashRun(TestCluster Cluster, IMoveJournal Journal, RecoveryReport Recovery, HashSet<MoveState> CrashedIn, int LostRecords);
}
