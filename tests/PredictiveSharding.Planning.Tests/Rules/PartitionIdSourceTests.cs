using Microsoft.Extensions.Time.Testing;
using PredictiveSharding.Topology;
using static PredictiveSharding.Planning.Tests.Instances;

namespace PredictiveSharding.Planning.Tests.Rules;

/// <summary>A host's <see cref="IPartitionIdSource"/> names what splits and merges create, instead of ids that grow.</summary>
public sealed class PartitionIdSourceTests
{
    [Test]
    public void Plan_WithAnIdSource_NamesASplitsChildrenFromIt()
    {
        var source = new SequenceIds("r");

        var plan = Planner(source).Plan(HotPartitionRequest(), CancellationToken.None);

        var split = plan.Actions.OfType<SplitAction>().Single();
        Assert.That(split.NewPartitions.Select(p => p.Value), Is.EqualTo(new[] { "r1", "r2", "r3" }));
        Assert.That(source.Calls, Is.EqualTo(new[] { "split p00 0/3", "split p00 1/3", "split p00 2/3" }));
        Assert.That(plan.Actions.OfType<MoveAction>().Select(m => m.Shard.Value), Is.SubsetOf(new[] { "r1", "r2", "r3", "p01", "p02", "p03" }), "moves name the new ids");
    }

    [Test]
    public void Plan_WithAnIdSource_NamesAMergeFromIt()
    {
        var source = new SequenceIds("r");
        var specs = new[] { new Spec(0, 20), new Spec(0, 20), new Spec(1, 300), new Spec(1, 200) };
        var request = Request([NodeOf(0, 1000), NodeOf(1, 1000)], specs, Constraints() with { AllowMerges = true });

        var plan = Planner(source).Plan(request, CancellationToken.None);

        var merge = plan.Actions.OfType<MergeAction>().Single();
        Assert.That(merge.Merged.Value, Is.EqualTo("r1"));
        Assert.That(source.Calls, Is.EqualTo(new[] { "merge p00 p01" }));
    }

    [Test]
    public void Plan_WhenTheSourceProposesAnIdTheClusterHas_MakesItUnique()
    {
        // A source that restarted its sequence below ids already in use: the plan must not reuse a live partition's id.
        var plan = Planner(new SequenceIds("p0", start: 1)).Plan(HotPartitionRequest(), CancellationToken.None);

        var split = plan.Actions.OfType<SplitAction>().Single();
        Assert.That(split.NewPartitions.Select(p => p.Value), Is.EqualTo(new[] { "p01~2", "p02~2", "p03~2" }));
    }

    [Test]
    public void Plan_WhenTheSourceReturnsNoId_ThrowsNamingTheSourceAndThePartition()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Planner(new NoIds()).Plan(HotPartitionRequest(), CancellationToken.None))!;

        Assert.That(error.Message, Does.Contain(nameof(NoIds)).And.Contain("child 0 of 3 of 'p00'"));
    }

    [Test]
    public async Task PlanAsync_CalledConcurrently_CallsTheSourceOneAtATime()
    {
        // The planner serves concurrent PlanAsync calls, and IPartitionIdSource promises its implementer one call at a
        // time per planner: a plain counter, as SequenceIds is, would otherwise give two plans the same id.
        using var source = new OverlapDetectingIds();
        var planner = Planner(source);

        var plans = await Task.WhenAll(planner.PlanAsync(HotPartitionRequest(), CancellationToken.None), planner.PlanAsync(HotPartitionRequest(), CancellationToken.None));

        Assert.That(plans.Select(p => p.Actions.OfType<SplitAction>().Count()), Is.EqualTo(new[] { 1, 1 }), "both plans split, so both called the source");
        Assert.That(source.Overlapped, Is.False, "a call entered the source while another was in it");
    }

    [Test]
    public void Plan_WhenCancelledWhileTheRulesSplit_DecidesNoFurtherSplit()
    {
        // Ten partitions of 25 GB over the 10 GB limit: each is split (three ways). The token is cancelled as the first
        // split asks for its ids; the rules went on deciding (and asking the host's source for) every other split.
        using var cancel = new CancellationTokenSource();
        var source = new CancellingIds(cancel);
        var specs = Enumerable.Range(0, 10).Select(i => new Spec(i % 2, 10, 25_000_000_000) { Samples = UniformSamples(i, 40) }).ToArray();
        var request = Request([NodeOf(0, 1000), NodeOf(1, 1000)], specs, Constraints() with { MaxPartitionBytes = 10_000_000_000 });

        Assert.Throws<OperationCanceledException>(() => Planner(source).Plan(request, cancel.Token));
        Assert.That(source.Calls, Is.EqualTo(source.CallsWhenCancelled), "no call after the cancellation");
    }

    [Test]
    public void Plan_WhenCancelledWhileTheRulesMerge_DecidesNoFurtherMerge()
    {
        // Twelve cold neighbours on n0: six merges. The token is cancelled as the first merge asks for its id.
        using var cancel = new CancellationTokenSource();
        var source = new CancellingIds(cancel);
        var specs = Enumerable.Range(0, 12).Select(_ => new Spec(0, 5)).Append(new Spec(1, 300)).ToArray();
        var request = Request([NodeOf(0, 1000), NodeOf(1, 1000)], specs, Constraints() with { AllowMerges = true });

        Assert.Throws<OperationCanceledException>(() => Planner(source).Plan(request, cancel.Token));
        Assert.That(source.Calls, Is.EqualTo(1), "no call after the cancellation");
    }

    private static GeneticShardPlanner Planner(IPartitionIdSource source)
    {
        var options = Options();
        options.PartitionIds = source;
        return new GeneticShardPlanner(options, new FakeTimeProvider());
    }

    /// <summary>p00 at 1.2 × the 800 allowance: split 3 ways (as in <see cref="SplitRuleTests"/>).</summary>
    private static PlanningRequest HotPartitionRequest() =>
        Request(
            [NodeOf(0, 1000), NodeOf(1, 1000), NodeOf(2, 1000), NodeOf(3, 1000)],
            [new Spec(0, 960) { Samples = UniformSamples(0, 12) }, new Spec(1, 100), new Spec(2, 100), new Spec(3, 100)]);

    /// <summary>Ids from a counter, as a catalog's range-id sequence would give them; records each call.</summary>
    private sealed class SequenceIds(string prefix, int start = 1) : IPartitionIdSource
    {
        private int _next = start;

        public List<string> Calls { get; } = [];

        public PartitionId SplitChild(PartitionId parent, int index, int ways)
        {
            Calls.Add($"split {parent} {index}/{ways}");
            return Next();
        }

        public PartitionId Merged(PartitionId left, PartitionId right)
        {
            Calls.Add($"merge {left} {right}");
            return Next();
        }

        private PartitionId Next() => new(prefix + _next++.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>Records whether two calls were ever inside it at once; the first call waits a while for a second to arrive.</summary>
    private sealed class OverlapDetectingIds : IPartitionIdSource, IDisposable
    {
        private readonly ManualResetEventSlim _secondArrived = new();
        private int _inside;
        private int _calls;
        private int _overlapped;

        public bool Overlapped => Volatile.Read(ref _overlapped) != 0;

        public void Dispose() => _secondArrived.Dispose();

        public PartitionId SplitChild(PartitionId parent, int index, int ways) => Enter(parent.Value + "/" + index.ToString(System.Globalization.CultureInfo.InvariantCulture));

        public PartitionId Merged(PartitionId left, PartitionId right) => Enter(left.Value + "+" + right.Value);

        private PartitionId Enter(string id)
        {
            if (Interlocked.Increment(ref _inside) > 1)
            {
                Volatile.Write(ref _overlapped, 1);
                _secondArrived.Set();
            }
            else if (Interlocked.Increment(ref _calls) == 1)
            {
                // Held long enough for the other plan, started at the same time, to reach its split.
                _secondArrived.Wait(TimeSpan.FromSeconds(1));
            }

            Interlocked.Decrement(ref _inside);
            return new PartitionId(id);
        }
    }

    /// <summary>Cancels the token at its first call (a host stopping while the plan is made); counts every call.</summary>
    private sealed class CancellingIds(CancellationTokenSource cancel) : IPartitionIdSource
    {
        public int Calls { get; private set; }

        /// <summary>The calls of the split that was being named when the token was cancelled (its children's ids).</summary>
        public int CallsWhenCancelled { get; private set; }

        public PartitionId SplitChild(PartitionId parent, int index, int ways)
        {
            if (Calls == 0)
            {
                CallsWhenCancelled = ways;
            }

            return Next();
        }

        public PartitionId Merged(PartitionId left, PartitionId right)
        {
            if (Calls == 0)
            {
                CallsWhenCancelled = 1;
            }

            return Next();
        }

        private PartitionId Next()
        {
            cancel.Cancel();
            Calls++;
            return new PartitionId("c" + Calls.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    private sealed class NoIds : IPartitionIdSource
    {
        public PartitionId SplitChild(PartitionId parent, int index, int ways) => default;

        public PartitionId Merged(PartitionId left, PartitionId right) => default;
    }
}
