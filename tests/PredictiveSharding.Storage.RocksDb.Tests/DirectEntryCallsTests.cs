using System.Globalization;
using PredictiveSharding.Keys;
using PredictiveSharding.Moving;
using PredictiveSharding.Storage.RocksDb.Interop;

namespace PredictiveSharding.Storage.RocksDb.Tests;

/// <summary>
/// The scans' per-entry calls straight into the native library (<see cref="DirectEntryCalls"/>) against RocksDbSharp's
/// binding: the same entries copied, the same checksums, on one lane and on two.
/// </summary>
[TestFixture]
public sealed class DirectEntryCallsTests : TwoNodeClusterFixture
{
    private static readonly KeyRange Range = KeyRange.FromStrings("k", "l");

    [Test]
    public void Instance_WithThePackagedLibrary_IsFound() =>
        Assert.That(DirectEntryCalls.Instance, Is.Not.Null, "the library handle is read from RocksDbSharp's binding; without it every scan falls back to the slower binding");

    [TestCase(1)]
    [TestCase(2)]
    public async Task CopyAndChecksums_ThroughDirectCalls_MatchTheBinding(int lanes)
    {
        // Keys of several lengths, an empty value, values past the binding path's 4 KiB buffer and a 200 KiB one.
        var entries = new List<KeyValueEntry>();
        for (var i = 0; i < 3_000; i++)
        {
            var size = i % 500 == 7 ? 9_000 : i % 97 == 0 ? 0 : 1 + (i % 300);
            entries.Add(new KeyValueEntry(ShardKey.FromString("k" + new string('x', i % 40) + i.ToString("D5", CultureInfo.InvariantCulture)), Bytes(i, size)));
        }

        entries.Add(new KeyValueEntry(ShardKey.FromString("kzzz"), Bytes(1, 200_000)));

        var direct = await CopyAsync(entries, lanes, bindingOnly: false);
        var binding = await CopyAsync(entries, lanes, bindingOnly: true);

        Assert.That(direct.Source.KeyCount, Is.EqualTo(entries.Count));
        Assert.That(direct.Source.Bytes, Is.EqualTo(entries.Sum(e => (long)e.Key.Length + e.Value.Length)));
        Assert.That(binding.Source.SameContentAs(direct.Source), Is.True, "the checksum scans agree");
        Assert.That(direct.Copied, Is.EqualTo(direct.Source), "the copy's own checksum (direct calls) is the source's");
        Assert.That(binding.Copied, Is.EqualTo(binding.Source), "the copy's own checksum (binding) is the source's");
        Assert.That(direct.Target.SameContentAs(direct.Source), Is.True, "the target read back (direct calls) holds the source's entries");
        Assert.That(binding.Target.SameContentAs(binding.Source), Is.True, "the target read back (binding) holds the source's entries");
    }

    private async Task<(RangeChecksum Source, RangeChecksum Copied, RangeChecksum Target)> CopyAsync(List<KeyValueEntry> entries, int lanes, bool bindingOnly)
    {
        using var scope = bindingOnly ? DirectEntryCalls.BindingOnly() : null;
        Assert.That(DirectEntryCalls.Current is null, Is.EqualTo(bindingOnly));
        using var cluster = Open(lanes);
        await cluster.DeleteRangeAsync(A, Range, CancellationToken.None);
        await cluster.DeleteRangeAsync(B, Range, CancellationToken.None);
        await cluster.WriteAsync(A, entries, CancellationToken.None);
        var source = await cluster.ChecksumAsync(A, Range, CancellationToken.None);
        RangeChecksum copied;
        var copy = await cluster.OpenCopyAsync(A, B, Range, Range.Start, CancellationToken.None);
        await using (copy)
        {
            while (!(await copy.CopyNextAsync(64 * 1024, CancellationToken.None)).IsLast)
            {
            }

            await copy.CommitAsync(CancellationToken.None);
            copied = copy.SourceChecksum ?? throw new AssertionException("a copy of the whole range checksums its source");
        }

        return (source, copied, await cluster.ChecksumAsync(B, Range, CancellationToken.None));
    }

    private static byte[] Bytes(int seed, int size)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
