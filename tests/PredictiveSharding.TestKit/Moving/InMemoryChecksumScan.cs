using System.Buffers.Binary;
using System.Security.Cryptography;
using PredictiveSharding.Moving;

namespace PredictiveSharding.TestKit.Moving;

/// <summary>
/// The in-memory store's stepwise checksum: the range's entries as of one moment (copied under the node's lock, with its
/// next sequence) hashed in steps, SHA-256 (truncated to 128 bits) over key length, key, value length and value.
/// </summary>
internal sealed class InMemoryChecksumScan(IReadOnlyList<KeyValueEntry> entries, long sequence) : RangeChecksumScan, IDisposable
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private int _next;
    private long _keys;
    private long _bytes;
    private RangeChecksum? _result;
    private bool _disposed;

    public override ValueTask<RangeChecksumStep> StepAsync(int maxBytes, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Step(maxBytes));
    }

    public RangeChecksumStep Step(int maxBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_result is { } done)
        {
            return new RangeChecksumStep(0, 0, done);
        }

        Span<byte> length = stackalloc byte[4];
        long keys = 0;
        long bytes = 0;
        for (; _next < entries.Count; _next++)
        {
            var entry = entries[_next];
            var size = entry.Key.Length + entry.Value.Length;
            if (keys > 0 && bytes + size > maxBytes)
            {
                return new RangeChecksumStep(keys, bytes, null);
            }

            BinaryPrimitives.WriteInt32LittleEndian(length, entry.Key.Length);
            _hash.AppendData(length);
            _hash.AppendData(entry.Key.Span);
            BinaryPrimitives.WriteInt32LittleEndian(length, entry.Value.Length);
            _hash.AppendData(length);
            _hash.AppendData(entry.Value.Span);
            keys++;
            bytes += size;
            _keys++;
            _bytes += size;
        }

        Span<byte> digest = stackalloc byte[32];
        _hash.GetHashAndReset(digest);
        _result = new RangeChecksum(BinaryPrimitives.ReadUInt128LittleEndian(digest), _keys, _bytes, sequence);
        return new RangeChecksumStep(keys, bytes, _result);
    }

    public void Dispose()
    {
        _disposed = true;
        _hash.Dispose();
    }

    protected override async ValueTask DisposeAsyncCore()
    {
        Dispose();
        await base.DisposeAsyncCore().ConfigureAwait(false);
    }
}
