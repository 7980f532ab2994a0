using System.Text;
using PredictiveSharding.Execution.Journal;
using PredictiveSharding.Keys;
using PredictiveSharding.Moving;
using PredictiveSharding.Routing;
using PredictiveSharding.Topology;
using static PredictiveSharding.Execution.Tests.TestCluster;

namespace PredictiveSharding.Execution.Tests.Moves;

public sealed class PrepareOwnershipTests
{
    [Test]
    public async Task ExecuteAsync_WhenRoutingGivesTheTargetTheRangeBeforeThePrepareDeletesIt_SkipsTheMoveAndDeletesNothing()
    {
        // The plan moves p2 from n1 to n3. While the move journals its Preparing record (after the executor checked routing
        // at its start), another tool moves p2 to n3 itself and the host writes to it there. The prepare step deletes the
        // target's keys of the range as a stale copy: now they are the live data, and must be kept.
        var (cluster, journal, action) = await MoveWhileAnotherToolMovesP2ToN3At(MoveState.Preparing);

        Assert.Multiple(() =>
        {
            Assert.That(journal.Hooked, Is.True, "routing changed in the window");
            AssertBothCopiesKept(cluster);
            Assert.That(action.Outcome, Is.EqualTo(ActionOutcome.Skipped));
            Assert.That(action.Error, Is.InstanceOf<InvalidOperationException>());
            Assert.That(action.Error?.Message, Does.Contain("'p2'").And.Contain("'n3'").And.Contain("not deleted"));
        });
    }

    [Test]
    public async Task ExecuteAsync_WhenRoutingGivesTheTargetTheRangeWhileTheMoveCopies_RollsBackWithoutTouchingTheTargetsLiveKeysOrTheSource()
    {
        // As above, but the other tool's change comes after the prepare step, as the copy begins. The copy wrote the
        // source's values over the target's live keys, the cut-over took routing naming the target for its own publish,
        // and the clean-up deleted the source's copy: the writes the host made on the target were lost.
        var (cluster, journal, action) = await MoveWhileAnotherToolMovesP2ToN3At(MoveState.Copying);

        Assert.Multiple(() =>
        {
            Assert.That(journal.Hooked, Is.True, "routing changed as the copy began");
            AssertBothCopiesKept(cluster);
            Assert.That(action.Outcome, Is.EqualTo(ActionOutcome.RolledBack));
            Assert.That(action.RoutingVersion, Is.Null, "the move published no routing version");
            Assert.That(action.Error?.Message, Does.Contain("'p2'").And.Contain("'n3'"));
        });
    }

    [Test]
    public async Task RecoverAsync_OfAMoveStoppedBeforeItsCutOverWhoseTargetRoutingNamesSince_RollsItBackDeletingNeitherCopy()
    {
        // The executor stopped while copying p2 to n3; meanwhile another tool gave n3 the range. Recovery took routing
        // naming n3 for the move's own publish, which cannot have happened before its cut-over, and carried the move
        // forward: the clean-up deleted n1's copy.
        var cluster = Create();
        var range = KeyRange.FromStrings("k100", "k200");
        var p2 = new PartitionId("p2");
        var live = cluster.Store.Dump(N1, range).Select(e => new KeyValueEntry(e.Key, Encoding.UTF8.GetBytes("live"))).ToArray();
        cluster.Store.Seed(N3, live);
        cluster.Routing.Apply(new MoveChange(p2, N3));
        var journal = new InMemoryMoveJournal("c");
        await journal.AppendAsync(new MoveJournalRecord
        {
            ActionId = "p1-1.a0",
            Kind = ActionKind.Move,
            State = MoveState.Copying,
            Time = cluster.Time.GetUtcNow(),
            Partition = "p2",
            From = "n1",
            To = "n3",
            RangeStart = KeyText.ToHex(range.Start),
            RangeEnd = KeyText.ToHex(range.End!.Value),
            NextSequence = 0,
        }, CancellationToken.None);
        await using var executor = cluster.Executor(journal);

        var recovery = await executor.RecoverAsync();

        Assert.Multiple(() =>
        {
            Assert.That(recovery.Actions.Single().Outcome, Is.EqualTo(ActionOutcome.RolledBack));
            Assert.That(cluster.Store.Dump(N1, range), Has.Count.EqualTo(100), "the source's copy is not deleted");
            Assert.That(cluster.Store.Dump(N3, range).Select(e => Encoding.UTF8.GetString(e.Value.Span)), Is.All.EqualTo("live").And.Not.Empty, "nor the target's keys");
            Assert.That(cluster.Routing.Current.Get(p2).Node, Is.EqualTo(N3));
        });
    }

    private static readonly KeyRange P2Range = KeyRange.FromStrings("k100", "k200");

    /// <summary>
    /// Executes a plan moving p2 from n1 to n3 while, once the move first journals <paramref name="state"/>, another tool
    /// gives n3 the range itself and the host writes "live" values for every key of it there.
    /// </summary>
    private static async Task<(TestCluster Cluster, HookedJournal Journal, ActionReport Action)> MoveWhileAnotherToolMovesP2ToN3At(MoveState state)
    {
        var cluster = Create();
        var journal = new HookedJournal(new InMemoryMoveJournal("c"), state, () =>
        {
            var live = cluster.Store.Dump(N1, P2Range).Select(e => new KeyValueEntry(e.Key, Encoding.UTF8.GetBytes("live"))).ToArray();
            cluster.Store.Seed(N3, live);
            cluster.Routing.Apply(new MoveChange(new PartitionId("p2"), N3));
        });
        await using var executor = cluster.Executor(journal);
        var report = await executor.ExecuteAsync(Plan(Move("p2", N1, N3)));
        return (cluster, journal, report.Actions.Single());
    }

    /// <summary>n3's live keys of p2 all there and unchanged, n1's copy kept, routing the other tool's, no capture left open.</summary>
    private static void AssertBothCopiesKept(TestCluster cluster)
    {
        var onTarget = cluster.Store.Dump(N3, P2Range);
        Assert.That(onTarget, Has.Count.EqualTo(100), "n3's live keys of p2 are all there");
        Assert.That(onTarget.Select(e => Encoding.UTF8.GetString(e.Value.Span)), Is.All.EqualTo("live"), "none overwritten with n1's values");
        Assert.That(cluster.Store.Dump(N1, P2Range), Has.Count.EqualTo(100), "the source's copy is not deleted: this move published nothing");
        Assert.That(cluster.Routing.Current.Get(new PartitionId("p2")).Node, Is.EqualTo(N3));
        Assert.That(cluster.Store.CaptureCount(N1), Is.Zero, "the move's change capture is stopped");
    }

    /// <summary>Runs <paramref name="hook"/> once, after the first record in <paramref name="state"/> is appended.</summary>
    private sealed class HookedJournal(IMoveJournal inner, MoveState state, Action hook) : IMoveJournal
    {
        public bool Hooked { get; private set; }

        public string ClusterId => inner.ClusterId;

        public ValueTask<MoveJournalContents> ReadAsync(CancellationToken cancellationToken) => inner.ReadAsync(cancellationToken);

        public async ValueTask AppendAsync(MoveJournalRecord record, CancellationToken cancellationToken)
        {
            await inner.AppendAsync(record, cancellationToken);
            if (record.State == state && !Hooked)
            {
                Hooked = true;
                hook();
            }
        }

        public ValueTask RewriteAsync(IReadOnlyList<MoveJournalRecord> records, CancellationToken cancellationToken) => inner.RewriteAsync(records, cancellationToken);
    }
}
