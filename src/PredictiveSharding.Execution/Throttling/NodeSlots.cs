using PredictiveSharding.Topology;

namespace PredictiveSharding.Execution.Throttling;

/// <summary>Limits how many moves run at once on each node, counting a move on both its source and its target.</summary>
internal sealed class NodeSlots(int perNode) : IDisposable
{
    private readonly Dictionary<NodeId, SemaphoreSlim> _slots = [];

    /// <summary>Takes a slot on both nodes (in a fixed order, so two moves in opposite directions cannot deadlock); dispose to release.</summary>
    public async ValueTask<IDisposable> AcquireAsync(NodeId a, NodeId b, CancellationToken cancellationToken)
    {
        var first = string.CompareOrdinal(a.Value, b.Value) <= 0 ? a : b;
        var second = first == a ? b : a;
        var firstSlot = Slot(first);
        var secondSlot = Slot(second);
        await firstSlot.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await secondSlot.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            firstSlot.Release();
            throw;
        }

        return new Lease(firstSlot, secondSlot);
    }

    public void Dispose()
    {
        lock (_slots)
        {
            foreach (var slot in _slots.Values)
            {
                slot.Dispose();
            }

            _slots.Clear();
        }
    }

    private SemaphoreSlim Slot(NodeId node)
    {
        lock (_slots)
        {
            if (!_slots.TryGetValue(node, out var slot))
            {
                slot = new SemaphoreSlim(perNode, perNode);
                _slots.Add(node, slot);
            }

            return slot;
        }
    }

    private sealed class Lease(SemaphoreSlim first, SemaphoreSlim second) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                second.Release();
                first.Release();
            }
        }
    }
}
