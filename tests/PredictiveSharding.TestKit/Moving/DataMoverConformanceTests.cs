using System.Text;
using PredictiveSharding.Keys;
using PredictiveSharding.Moving;
using PredictiveSharding.Topology;

namespace PredictiveSharding.TestKit.Moving;

/// <summary>
/// The behaviour every <see cref="IDataMover"/> must have for the executor to move ranges safely: chunked copy in key
/// order, a complete and ordered change feed, checksums that are equal exactly when contents are, idempotent writes and
/// deletes, fences that hold host writes back, and cancellation. Derive a fixture, override <see cref="CreateSut"/> and
/// <see cref="HostWriteAsync"/>, and run it.
/// </summary>
public abstract class DataMoverConformanceTests
{
    /// <summary>The first node of the cluster each test gets.</summary>
    protected static readonly NodeId NodeA = new("node-a");

    /// <summary>The second node of the cluster each test gets.</summary>
    protected static readonly NodeId NodeB = new("node-b");

    private IDataMover? _sut;

    /// <summary>The mover under test, created before each test with nodes <see cref="NodeA"/> and <see cref="NodeB"/>.</summary>
    protected IDataMover Sut => _sut ?? throw new InvalidOperationException("The mover is created in SetUp.");

    /// <summary>Creates an empty store with the given nodes. The store must accept host writes on every node (no routing checks, or a routing table under which each write below is owned).</summary>
    protected abstract IDataMover CreateSut(IReadOnlyList<NodeId> nodes);

    /// <summary>Writes to a node as the host's request path would (waiting at fences); a null value deletes the key.</summary>
    protected abstract ValueTask HostWriteAsync(IDataMover sut, NodeId node, ShardKey key, ReadOnlyMemory<byte>? value, CancellationToken cancellationToken);

    /// <summary>Frees the store after a test; by default disposes it when it is disposable.</summary>
    protected virtual async ValueTask DisposeSutAsync(IDataMover sut)
    {
        switch (sut)
        {
            case IAsyncDisposable asyncDisposable:
                await asyncDisposable.DisposeAsync().ConfigureAwait(false);
                break;
            case IDisposable disposable:
                disposable.Dispose();
                break;
        }
    }

    /// <summary>Creates the store.</summary>
    [SetUp]
    public void CreateStore() => _sut = CreateSut([NodeA, NodeB]);

    /// <summary>Frees the store.</summary>
    [TearDown]
    public async Task DisposeStore()
    {
        if (_sut is { } sut)
        {
            _sut = null;
            await DisposeSutAsync(sut).ConfigureAwait(false);
        }
    }

    /// <summary>The mover lists the nodes it was created with.</summary>
    [Test]
    public void Nodes_ListsTheNodesOfTheStore() =>
        Assert.That(Sut.Nodes, Is.EquivalentTo(new[] { NodeA, NodeB }));

    /// <summary>Chunks cover the range once, in key order, each within the byte limit.</summary>
    [Test]
    public async Task ReadChunk_WhenRangeIsLargerThanMaxBytes_ReturnsEveryKeyOnceInKeyOrder()
    {
        await SeedAsync(NodeA, 200, "v");
        var range = KeyRange.FromStrings("k050", "k150");
        var (entries, chunks) = await ReadAllAsync(NodeA, range, maxBytes: 500);

        Assert.That(entries.Select(e => e.Key.ToString()), Is.EqualTo(Enumerable.Range(50, 100).Select(Key)));
        Assert.That(chunks, Has.Count.GreaterThan(1));
        Assert.That(chunks.Select(c => c.Sum(e => e.Key.Length + e.Value.Length)), Has.All.LessThanOrEqualTo(500));
    }

    /// <summary>A chunk is never empty while keys are left, even when one entry is larger than the limit.</summary>
    [Test]
    public async Task ReadChunk_WhenOneEntryIsLargerThanMaxBytes_ReturnsItAlone()
    {
        await Sut.WriteAsync(NodeA, [Entry("big", new string('x', 1000)), Entry("small", "y")], CancellationToken.None);

        var chunk = await Sut.ReadChunkAsync(NodeA, KeyRange.Full, ShardKey.Empty, 10, CancellationToken.None);

        Assert.That(chunk.Entries.Select(e => e.Key.ToString()), Is.EqualTo(new[] { "big" }));
        Assert.That(chunk.ResumeFrom?.ToString(), Is.EqualTo("small"));
    }

    /// <summary>An unbounded range reads to the end of the key space and keys outside it are skipped.</summary>
    [Test]
    public async Task ReadChunk_OnUnboundedRange_ReadsToTheEndOfTheKeySpace()
    {
        await SeedAsync(NodeA, 30, "v");
        var (entries, _) = await ReadAllAsync(NodeA, new KeyRange(ShardKey.FromString("k020"), null), maxBytes: 64);

        Assert.That(entries.Select(e => e.Key.ToString()), Is.EqualTo(Enumerable.Range(20, 10).Select(Key)));
    }

    /// <summary>An unknown node is refused with an ArgumentException.</summary>
    [Test]
    public void ReadChunk_OnUnknownNode_ThrowsArgumentException() =>
        Assert.That(async () => await Sut.ReadChunkAsync(new NodeId("nowhere"), KeyRange.Full, ShardKey.Empty, 100, CancellationToken.None), Throws.InstanceOf<ArgumentException>());

    /// <summary>The feed holds every host write to the range, in order, with increasing sequences, and nothing outside the range.</summary>
    [Test]
    public async Task ChangeFeed_HoldsEveryWriteToTheRangeInOrderAndNothingElse()
    {
        await SeedAsync(NodeA, 300, "v");
        var range = KeyRange.FromStrings("k100", "k200");
        var capture = await Sut.StartChangeCaptureAsync(NodeA, range, "feed-1", CancellationToken.None);

        await HostWriteAsync(Sut, NodeA, ShardKey.FromString("k100"), Bytes("one"), CancellationToken.None);
        await HostWriteAsync(Sut, NodeA, ShardKey.FromString("k250"), Bytes("outside"), CancellationToken.None);
        await HostWriteAsync(Sut, NodeA, ShardKey.FromString("k150"), null, CancellationToken.None);
        await HostWriteAsync(Sut, NodeA, ShardKey.FromString("k100"), Bytes("two"), CancellationToken.None);
        await HostWriteAsync(Sut, NodeA, ShardKey.FromString("k199"), Bytes("last"), CancellationToken.None);
        await HostWriteAsync(Sut, NodeA, ShardKey.FromString("k200"), Bytes("end is exclusive"), CancellationToken.None);

        var changes = await Sut.ReadChangesAsync(capture, capture.StartSequence, 100, CancellationToken.None);

        Assert.That(changes.Select(c => c.Key.ToString()), Is.EqualTo(new[] { "k100", "k150", "k100", "k199" }));
        Assert.That(changes.Select(c => c.IsDelete ? null : Text(c.Value!.Value)), Is.EqualTo(new[] { "one", null, "two", "last" }));
        Assert.That(changes[0].Sequence, Is.GreaterThanOrEqualTo(capture.StartSequence));
        Assert.That(changes.Zip(changes.Skip(1)).All(p => p.First.Sequence < p.Second.Sequence), Is.True, "sequences must increase strictly");
    }

    /// <summary>Writes made before the capture started are not in its feed.</summary>
    [Test]
    public async Task ChangeFeed_DoesNotHoldWritesMadeBeforeTheCaptureStarted()
    {
        await HostWriteAsync(Sut, NodeA, ShardKey.FromString("k001"), Bytes("before"), CancellationToken.None);
        var capture = await Sut.StartChangeCaptureAsync(NodeA, KeyRange.Full, "feed-2", CancellationToken.None);
        await HostWriteAsync(Sut, NodeA, ShardKey.FromString("k002"), Bytes("after"), CancellationToken.None);

        var changes = await Sut.ReadChangesAsync(capture, 0, 100, CancellationToken.None);

        Assert.That(changes.Select(c => c.Key.ToString()), Is.EqualTo(new[] { "k002" }));
    }

    /// <summary>The feed can be read in pages from any sequence, so a reader resumes where it stopped.</summary>
    [Test]
    public async Task ChangeFeed_ReadInPages_ReturnsEveryChangeOnce()
    {
        var capture = await Sut.StartChangeCaptureAsync(NodeA, KeyRange.Full, "feed-3", CancellationToken.None);
        for (var i = 0; i < 10; i++)
        {
            await HostWriteAsync(Sut, NodeA, ShardKey.FromString(Key(i)), Bytes("v" + i), CancellationToken.None);
        }

        var seen = new List<string>();
        var from = capture.StartSequence;
        while (true)
        {
            var page = await Sut.ReadChangesAsync(capture, from, 3, CancellationToken.None);
            if (page.Count == 0)
            {
                break;
            }

            Assert.That(page, Has.Count.LessThanOrEqualTo(3));
            seen.AddRange(page.Select(c => c.Key.ToString()));
            from = page[^1].Sequence + 1;
        }

        Assert.That(seen, Is.EqualTo(Enumerable.Range(0, 10).Select(Key)));
    }

    /// <summary>Capture ids are the caller's: starting twice returns the same capture, resume finds it, stop forgets it.</summary>
    [Test]
    public async Task ChangeCapture_ById_IsIdempotentResumableAndStoppable()
    {
        var range = KeyRange.FromStrings("a", "m");
        var first = await Sut.StartChangeCaptureAsync(NodeA, range, "feed-4", CancellationToken.None);
        await HostWriteAsync(Sut, NodeA, ShardKey.FromString("b"), Bytes("x"), CancellationToken.None);
        var again = await Sut.StartChangeCaptureAsync(NodeA, range, "feed-4", CancellationToken.None);
        var resumed = await Sut.ResumeChangeCaptureAsync(NodeA, "feed-4", CancellationToken.None);

        Assert.That(again.StartSequence, Is.EqualTo(first.StartSequence));
        Assert.That(resumed, Is.Not.Null);
        Assert.That(resumed!.Range, Is.EqualTo(range));
        Assert.That(await Sut.ReadChangesAsync(resumed, first.StartSequence, 10, CancellationToken.None), Has.Count.EqualTo(1));

        await Sut.StopChangeCaptureAsync(NodeA, "feed-4", CancellationToken.None);
        await Sut.StopChangeCaptureAsync(NodeA, "feed-4", CancellationToken.None);

        Assert.That(await Sut.ResumeChangeCaptureAsync(NodeA, "feed-4", CancellationToken.None), Is.Null);
        Assert.That(await Sut.ResumeChangeCaptureAsync(NodeA, "never-started", CancellationToken.None), Is.Null);
        Assert.That(async () => await Sut.ReadChangesAsync(first, first.StartSequence, 10, CancellationToken.None), Throws.InstanceOf<InvalidOperationException>());
    }

    /// <summary>Copying a snapshot while writes go on, then applying the captured changes, reproduces the source exactly.</summary>
    [Test]
    public async Task CopyThenApplyChanges_WhileHostWrites_ReproducesTheSourceRange()
    {
        await SeedAsync(NodeA, 100, "v");
        var range = KeyRange.FromStrings("k010", "k090");
        var capture = await Sut.StartChangeCaptureAsync(NodeA, range, "feed-5", CancellationToken.None);
        var from = range.Start;
        var written = 0;
        while (true)
        {
            var chunk = await Sut.ReadChunkAsync(NodeA, range, from, 200, CancellationToken.None);
            await Sut.WriteAsync(NodeB, chunk.Entries, CancellationToken.None);

            // Host writes between chunks land both before and after the copy cursor.
            await HostWriteAsync(Sut, NodeA, ShardKey.FromString(Key(10 + (written * 7 % 80))), Bytes("w" + written), CancellationToken.None);
            await HostWriteAsync(Sut, NodeA, ShardKey.FromString(Key(10 + (written * 13 % 80))), null, CancellationToken.None);
            written++;
            if (chunk.ResumeFrom is not { } next)
            {
                break;
            }

            from = next;
        }

        var changes = await Sut.ReadChangesAsync(capture, capture.StartSequence, 10_000, CancellationToken.None);
        await Sut.ApplyChangesAsync(NodeB, changes, CancellationToken.None);

        var source = await Sut.ChecksumAsync(NodeA, range, CancellationToken.None);
        var target = await Sut.ChecksumAsync(NodeB, range, CancellationToken.None);
        Assert.That(target.SameContentAs(source), Is.True, $"source {source}, target {target}");
        Assert.That(source.KeyCount, Is.LessThan(80), "some keys were deleted by the host");
    }

    /// <summary>
    /// A bulk copy of a whole range (<see cref="IDataMover.OpenCopyAsync"/>) reproduces it on the target once committed; the
    /// checksums it offers (<see cref="RangeCopy.SourceChecksum"/>, <see cref="RangeCopy.TargetChecksum"/>, which the
    /// executor compares instead of reading the nodes again) are the nodes' own, and a target checksum comes only with a
    /// source checksum.
    /// </summary>
    [Test]
    public async Task Copy_OfAWholeRange_ReproducesItAndOffersOnlyTheNodesOwnChecksums()
    {
        await SeedAsync(NodeA, 100, "v");
        var range = KeyRange.FromStrings("k010", "k090");
        var copy = await Sut.OpenCopyAsync(NodeA, NodeB, range, range.Start, CancellationToken.None).ConfigureAwait(false);
        await using (copy.ConfigureAwait(false))
        {
            while (!(await copy.CopyNextAsync(200, CancellationToken.None).ConfigureAwait(false)).IsLast)
            {
            }

            await copy.CommitAsync(CancellationToken.None).ConfigureAwait(false);
            var source = await Sut.ChecksumAsync(NodeA, range, CancellationToken.None).ConfigureAwait(false);
            var target = await Sut.ChecksumAsync(NodeB, range, CancellationToken.None).ConfigureAwait(false);
            Assert.That(target.KeyCount, Is.EqualTo(80));
            Assert.That(target.SameContentAs(source), Is.True, $"source {source}, target {target}");
            Assert.That(copy.SourceChecksum is not { } fromSource || fromSource.SameContentAs(source), Is.True, $"the copy's source checksum {copy.SourceChecksum} is the source's {source}");
            Assert.That(copy.TargetChecksum is not { } fromTarget || fromTarget.SameContentAs(target), Is.True, $"the copy's target checksum {copy.TargetChecksum} is the target's {target}");
            Assert.That(copy.TargetChecksum is null || copy.SourceChecksum is not null, Is.True, "a target checksum comes with a source checksum");
        }
    }

    /// <summary>Equal contents give equal checksums; a changed value, an extra key or a missing key changes it.</summary>
    [Test]
    public async Task Checksum_IsEqualExactlyWhenContentsAreEqual()
    {
        var range = KeyRange.FromStrings("k000", "k050");
        await SeedAsync(NodeA, 40, "v");
        await SeedAsync(NodeB, 40, "v");
        await Sut.WriteAsync(NodeB, [Entry("z-outside", "ignored")], CancellationToken.None);

        var a = await Sut.ChecksumAsync(NodeA, range, CancellationToken.None);
        var b = await Sut.ChecksumAsync(NodeB, range, CancellationToken.None);
        Assert.That(b.SameContentAs(a), Is.True);
        Assert.That(a.KeyCount, Is.EqualTo(40));
        Assert.That(a.Bytes, Is.EqualTo(Enumerable.Range(0, 40).Sum(i => Key(i).Length + ("v" + i).Length)));

        await Sut.WriteAsync(NodeB, [Entry(Key(7), "v8")], CancellationToken.None);
        var changedValue = await Sut.ChecksumAsync(NodeB, range, CancellationToken.None);
        Assert.That(changedValue.SameContentAs(a), Is.False, "a changed value");

        await Sut.WriteAsync(NodeB, [Entry(Key(7), "v7"), Entry("k0455", "v")], CancellationToken.None);
        var extraKey = await Sut.ChecksumAsync(NodeB, range, CancellationToken.None);
        Assert.That(extraKey.SameContentAs(a), Is.False, "an extra key");

        await Sut.DeleteRangeAsync(NodeB, KeyRange.FromStrings("k0455", "k0456"), CancellationToken.None);
        await Sut.DeleteRangeAsync(NodeB, KeyRange.FromStrings(Key(3), Key(4)), CancellationToken.None);
        var missingKey = await Sut.ChecksumAsync(NodeB, range, CancellationToken.None);
        Assert.That(missingKey.SameContentAs(a), Is.False, "a missing key");

        // Moving a byte from the key to the value keeps the total but must change the hash.
        await Sut.WriteAsync(NodeA, [Entry("ab", "c")], CancellationToken.None);
        await Sut.WriteAsync(NodeB, [Entry("a", "bc")], CancellationToken.None);
        var left = await Sut.ChecksumAsync(NodeA, KeyRange.FromStrings("a", "b"), CancellationToken.None);
        var right = await Sut.ChecksumAsync(NodeB, KeyRange.FromStrings("a", "b"), CancellationToken.None);
        Assert.That(right.SameContentAs(left), Is.False, "key/value boundary");
    }

    /// <summary>Empty ranges checksum equal on any node.</summary>
    [Test]
    public async Task Checksum_OfEmptyRanges_IsEqualAndCountsNothing()
    {
        var a = await Sut.ChecksumAsync(NodeA, KeyRange.Full, CancellationToken.None);
        var b = await Sut.ChecksumAsync(NodeB, KeyRange.Full, CancellationToken.None);

        Assert.That(a.SameContentAs(b), Is.True);
        Assert.That(a.KeyCount, Is.Zero);
    }

    /// <summary>The checksum's sequence splits the feed exactly: changes below it are in the checksum, the rest are not.</summary>
    [Test]
    public async Task Checksum_Sequence_SplitsTheChangeFeedAtTheSnapshot()
    {
        var range = KeyRange.FromStrings("k", "l");
        var capture = await Sut.StartChangeCaptureAsync(NodeA, range, "feed-6", CancellationToken.None);
        await HostWriteAsync(Sut, NodeA, ShardKey.FromString("k1"), Bytes("1"), CancellationToken.None);
        await HostWriteAsync(Sut, NodeA, ShardKey.FromString("k2"), Bytes("2"), CancellationToken.None);
        var snapshot = await Sut.ChecksumAsync(NodeA, range, CancellationToken.None);
        await HostWriteAsync(Sut, NodeA, ShardKey.FromString("k3"), Bytes("3"), CancellationToken.None);

        var changes = await Sut.ReadChangesAsync(capture, capture.StartSequence, 100, CancellationToken.None);
        var before = changes.Where(c => c.Sequence < snapshot.Sequence).ToList();
        await Sut.ApplyChangesAsync(NodeB, before, CancellationToken.None);
        var target = await Sut.ChecksumAsync(NodeB, range, CancellationToken.None);

        Assert.That(before.Select(c => c.Key.ToString()), Is.EqualTo(new[] { "k1", "k2" }));
        Assert.That(changes.Where(c => c.Sequence >= snapshot.Sequence).Select(c => c.Key.ToString()), Is.EqualTo(new[] { "k3" }));
        Assert.That(target.SameContentAs(snapshot), Is.True);
    }

    /// <summary>
    /// A checksum scan, in any step size, over the whole data, a range cut exactly at keys, or an empty range, ends with
    /// exactly <see cref="IDataMover.ChecksumAsync"/>'s checksum (sequence included), and only the last step carries it.
    /// (How much a step reads is the store's choice: the default scan reads the whole range in one.)
    /// </summary>
    [Test]
    public async Task ChecksumScan_InAnyStepSize_EqualsChecksum()
    {
        await SeedAsync(NodeA, 120, "v");
        await Sut.WriteAsync(NodeA, [Entry("k050", new string('x', 300))], CancellationToken.None);
        var ranges = new[] { KeyRange.Full, KeyRange.FromStrings(Key(10), Key(60)), KeyRange.FromStrings("k5", "k6"), KeyRange.FromStrings(Key(119), "l") };
        foreach (var range in ranges)
        {
            var expected = await Sut.ChecksumAsync(NodeA, range, CancellationToken.None);
            foreach (var stepBytes in new[] { 1, 10, 64, 1000, int.MaxValue })
            {
                var steps = new List<RangeChecksumStep>();
                var scan = await Sut.OpenChecksumScanAsync(NodeA, range, CancellationToken.None);
                await using (scan.ConfigureAwait(false))
                {
                    do
                    {
                        steps.Add(await scan.StepAsync(stepBytes, CancellationToken.None));
                    }
                    while (!steps[^1].IsLast && steps.Count < 10_000);

                    var again = await scan.StepAsync(stepBytes, CancellationToken.None);
                    Assert.That(again, Is.EqualTo(new RangeChecksumStep(0, 0, steps[^1].Checksum)), "a step after the last repeats the checksum");
                }

                var label = $"range {range}, steps of {stepBytes} bytes";
                Assert.That(steps[^1].Checksum, Is.EqualTo(expected), label);
                Assert.That(steps.Take(steps.Count - 1).All(s => s.Checksum is null && s.Keys > 0), Is.True, label);
                Assert.That(steps.Sum(s => s.Keys), Is.EqualTo(expected.KeyCount), label);
                Assert.That(steps.Sum(s => s.Bytes), Is.EqualTo(expected.Bytes), label);
            }
        }
    }

    /// <summary>
    /// A checksum scan reads the snapshot it was opened on: host writes made after it opened (ahead of and behind its
    /// position) are not in its checksum, and its sequence splits the change feed there.
    /// </summary>
    [Test]
    public async Task ChecksumScan_WritesAfterOpen_AreNotInItsChecksum()
    {
        var range = KeyRange.FromStrings("k", "l");
        await SeedAsync(NodeA, 60, "v");
        var capture = await Sut.StartChangeCaptureAsync(NodeA, range, "feed-scan", CancellationToken.None);
        await HostWriteAsync(Sut, NodeA, ShardKey.FromString(Key(1)), Bytes("before"), CancellationToken.None);
        var before = await Sut.ChecksumAsync(NodeA, range, CancellationToken.None);

        RangeChecksum result;
        var scan = await Sut.OpenChecksumScanAsync(NodeA, range, CancellationToken.None);
        await using (scan.ConfigureAwait(false))
        {
            var first = await scan.StepAsync(50, CancellationToken.None);
            Assert.That(first.IsLast, Is.False);
            await HostWriteAsync(Sut, NodeA, ShardKey.FromString(Key(0)), Bytes("behind"), CancellationToken.None);
            await HostWriteAsync(Sut, NodeA, ShardKey.FromString(Key(55)), Bytes("ahead"), CancellationToken.None);
            await HostWriteAsync(Sut, NodeA, ShardKey.FromString(Key(58)), null, CancellationToken.None);
            await HostWriteAsync(Sut, NodeA, ShardKey.FromString("k0555"), Bytes("new key"), CancellationToken.None);
            var step = first;
            while (!step.IsLast)
            {
                step = await scan.StepAsync(50, CancellationToken.None);
            }

            result = step.Checksum!.Value;
        }

        var after = await Sut.ChecksumAsync(NodeA, range, CancellationToken.None);
        var changes = await Sut.ReadChangesAsync(capture, capture.StartSequence, 100, CancellationToken.None);
        Assert.That(result, Is.EqualTo(before), "content and sequence are the snapshot's at open");
        Assert.That(after.SameContentAs(result), Is.False);
        Assert.That(after.Sequence, Is.GreaterThan(result.Sequence));
        Assert.That(changes.Where(c => c.Sequence >= result.Sequence).Select(c => c.Key.ToString()), Is.EqualTo(new[] { Key(0), Key(55), Key(58), "k0555" }));
    }

    /// <summary>Deleting a range removes its keys and only those, and deleting again changes nothing.</summary>
    [Test]
    public async Task DeleteRange_RemovesOnlyTheRangeAndIsIdempotent()
    {
        await SeedAsync(NodeA, 30, "v");
        var range = KeyRange.FromStrings("k010", "k020");

        await Sut.DeleteRangeAsync(NodeA, range, CancellationToken.None);
        await Sut.DeleteRangeAsync(NodeA, range, CancellationToken.None);

        var (left, _) = await ReadAllAsync(NodeA, KeyRange.Full, 4096);
        Assert.That(left.Select(e => e.Key.ToString()), Is.EqualTo(Enumerable.Range(0, 10).Concat(Enumerable.Range(20, 10)).Select(Key)));
    }

    /// <summary>Host writes to a fenced range wait until the fence is disposed, then apply; writes elsewhere do not wait.</summary>
    [Test]
    public async Task Fence_HoldsHostWritesToTheRangeUntilDisposed()
    {
        var range = KeyRange.FromStrings("k", "l");
        var fence = await Sut.FenceWritesAsync(NodeA, range, CancellationToken.None);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));

        var outside = Task.Run(async () => await HostWriteAsync(Sut, NodeA, ShardKey.FromString("m1"), Bytes("free"), timeout.Token));
        await outside.WaitAsync(timeout.Token);
        var inside = Task.Run(async () => await HostWriteAsync(Sut, NodeA, ShardKey.FromString("k1"), Bytes("held"), timeout.Token));

        // The write can only complete if the fence failed; give it a moment to do so.
        var early = await Task.WhenAny(inside, Task.Delay(100, timeout.Token));
        Assert.That(early, Is.Not.SameAs(inside), "a host write to a fenced range completed while the fence was held");
        var whileFenced = await Sut.ChecksumAsync(NodeA, range, CancellationToken.None);
        Assert.That(whileFenced.KeyCount, Is.Zero);

        await fence.DisposeAsync();
        await inside.WaitAsync(timeout.Token);
        var after = await Sut.ChecksumAsync(NodeA, range, CancellationToken.None);
        Assert.That(after.KeyCount, Is.EqualTo(1));
    }

    /// <summary>
    /// Fencing a range already fenced returns a handle to that fence, and disposing it lifts it: the executor retries a
    /// fence whose reply was lost, and a fence that stacked would hold host writes to the range for good.
    /// </summary>
    [Test]
    public async Task Fence_OfARangeAlreadyFenced_ReturnsAHandleWhoseDisposalLiftsIt()
    {
        var range = KeyRange.FromStrings("k", "l");
        _ = await Sut.FenceWritesAsync(NodeA, range, CancellationToken.None);
        var again = await Sut.FenceWritesAsync(NodeA, range, CancellationToken.None);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var inside = Task.Run(async () => await HostWriteAsync(Sut, NodeA, ShardKey.FromString("k1"), Bytes("held"), timeout.Token));
        var early = await Task.WhenAny(inside, Task.Delay(100, timeout.Token));
        Assert.That(early, Is.Not.SameAs(inside), "a host write to a fenced range completed while the fence was held");

        await again.DisposeAsync();

        await inside.WaitAsync(timeout.Token);
        var after = await Sut.ChecksumAsync(NodeA, range, CancellationToken.None);
        Assert.That(after.KeyCount, Is.EqualTo(1), "the write held at the fence was applied once the second handle was disposed");
    }

    /// <summary>The mover's own writes are not held by a fence (the executor drains changes into the target while fenced).</summary>
    [Test]
    public async Task Fence_DoesNotHoldTheMoversOwnWrites()
    {
        var range = KeyRange.FromStrings("k", "l");
        await using var fence = await Sut.FenceWritesAsync(NodeA, range, CancellationToken.None);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));

        await Sut.WriteAsync(NodeA, [Entry("k1", "x")], timeout.Token).AsTask().WaitAsync(timeout.Token);
        await Sut.ApplyChangesAsync(NodeA, [new ChangeRecord(1, ShardKey.FromString("k2"), Bytes("y"))], timeout.Token).AsTask().WaitAsync(timeout.Token);

        var sum = await Sut.ChecksumAsync(NodeA, range, CancellationToken.None);
        Assert.That(sum.KeyCount, Is.EqualTo(2));
    }

    /// <summary>Every call honours a cancelled token.</summary>
    [Test]
    public async Task Calls_WithCancelledToken_ThrowOperationCanceled()
    {
        await SeedAsync(NodeA, 10, "v");
        var capture = await Sut.StartChangeCaptureAsync(NodeA, KeyRange.Full, "feed-7", CancellationToken.None);
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        var token = cts.Token;

        Assert.Multiple(() =>
        {
            Assert.That(async () => await Sut.ReadChunkAsync(NodeA, KeyRange.Full, ShardKey.Empty, 100, token), Throws.InstanceOf<OperationCanceledException>());
            Assert.That(async () => await Sut.WriteAsync(NodeB, [Entry("a", "b")], token), Throws.InstanceOf<OperationCanceledException>());
            Assert.That(async () => await Sut.ReadChangesAsync(capture, 0, 10, token), Throws.InstanceOf<OperationCanceledException>());
            Assert.That(async () => await Sut.ChecksumAsync(NodeA, KeyRange.Full, token), Throws.InstanceOf<OperationCanceledException>());
            Assert.That(async () => await Sut.OpenChecksumScanAsync(NodeA, KeyRange.Full, token), Throws.InstanceOf<OperationCanceledException>());
            Assert.That(async () => await Sut.FenceWritesAsync(NodeA, KeyRange.Full, token), Throws.InstanceOf<OperationCanceledException>());
            Assert.That(async () => await Sut.DeleteRangeAsync(NodeA, KeyRange.Full, token), Throws.InstanceOf<OperationCanceledException>());
            Assert.That(async () => await Sut.StartChangeCaptureAsync(NodeA, KeyRange.Full, "feed-8", token), Throws.InstanceOf<OperationCanceledException>());
        });

        var sum = await Sut.ChecksumAsync(NodeA, KeyRange.Full, CancellationToken.None);
        Assert.That(sum.KeyCount, Is.EqualTo(10), "a cancelled delete deleted nothing");
    }

    /// <summary>Writing or applying the same batch twice gives the same result as once (a retry after a crash).</summary>
    [Test]
    public async Task WriteAndApplyChanges_Twice_GiveTheSameResultAsOnce()
    {
        var entries = new[] { Entry("a1", "x"), Entry("a2", "y") };
        var changes = new[]
        {
            new ChangeRecord(10, ShardKey.FromString("a1"), Bytes("x2")),
            new ChangeRecord(11, ShardKey.FromString("a2"), null),
            new ChangeRecord(12, ShardKey.FromString("a3"), Bytes("z")),
        };

        await Sut.WriteAsync(NodeA, entries, CancellationToken.None);
        await Sut.ApplyChangesAsync(NodeA, changes, CancellationToken.None);
        var once = await Sut.ChecksumAsync(NodeA, KeyRange.Full, CancellationToken.None);
        await Sut.WriteAsync(NodeB, entries, CancellationToken.None);
        await Sut.WriteAsync(NodeB, entries, CancellationToken.None);
        await Sut.ApplyChangesAsync(NodeB, changes, CancellationToken.None);
        await Sut.ApplyChangesAsync(NodeB, changes, CancellationToken.None);
        var twice = await Sut.ChecksumAsync(NodeB, KeyRange.Full, CancellationToken.None);

        Assert.That(twice.SameContentAs(once), Is.True);
        Assert.That(once.KeyCount, Is.EqualTo(2));
    }

    /// <summary>The key <c>k</c> followed by <paramref name="i"/> as three digits.</summary>
    protected static string Key(int i) => "k" + i.ToString("D3", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>UTF-8 bytes of <paramref name="text"/>.</summary>
    protected static ReadOnlyMemory<byte> Bytes(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>An entry from UTF-8 strings.</summary>
    protected static KeyValueEntry Entry(string key, string value) => new(ShardKey.FromString(key), Bytes(value));

    /// <summary>Writes keys <c>k000</c>… with values <paramref name="prefix"/> + index to a node through the mover.</summary>
    protected async Task SeedAsync(NodeId node, int count, string prefix)
    {
        var entries = Enumerable.Range(0, count).Select(i => Entry(Key(i), prefix + i)).ToList();
        await Sut.WriteAsync(node, entries, CancellationToken.None);
    }

    private static string Text(ReadOnlyMemory<byte> bytes) => Encoding.UTF8.GetString(bytes.Span);

    private async Task<(List<KeyValueEntry> Entries, List<IReadOnlyList<KeyValueEntry>> Chunks)> ReadAllAsync(NodeId node, KeyRange range, int maxBytes)
    {
        var entries = new List<KeyValueEntry>();
        var chunks = new List<IReadOnlyList<KeyValueEntry>>();
        var from = range.Start;
        while (true)
        {
            var chunk = await Sut.ReadChunkAsync(node, range, from, maxBytes, CancellationToken.None);
            entries.AddRange(chunk.Entries);
            chunks.Add(chunk.Entries);
            if (chunk.ResumeFrom is not { } next)
            {
                return (entries, chunks);
            }

            from = next;
        }
    }
}
