namespace PredictiveSharding.Execution;

/// <summary>
/// The hold times of an executor's write fences over its lifetime in bounded memory: how many and the longest over
/// all of them, the median over the last <see cref="WindowSize"/>. A host process runs one executor for months; keeping
/// every hold time (and sorting them all on every read) grew without limit.
/// </summary>
internal sealed class FenceHoldTimes
{
    /// <summary>How many of the latest hold times the median is taken over.</summary>
    public const int WindowSize = 4096;

    private readonly Lock _gate = new();
    private readonly TimeSpan[] _recent = new TimeSpan[WindowSize];
    private int _next;
    private int _retained;
    private int _count;
    private TimeSpan _max;

    /// <summary>How many hold times are kept (at most <see cref="WindowSize"/>).</summary>
    public int Retained
    {
        get
        {
            lock (_gate)
            {
                return _retained;
            }
        }
    }

    public void Record(TimeSpan duration)
    {
        lock (_gate)
        {
            _recent[_next] = duration;
            _next = (_next + 1) % WindowSize;
            _retained = Math.Min(_retained + 1, WindowSize);
            if (_count < int.MaxValue)
            {
                _count++;
            }

            if (duration > _max)
            {
                _max = duration;
            }
        }
    }

    /// <summary>The count and maximum over every fence recorded, and the median of the latest <see cref="WindowSize"/>.</summary>
    public FenceStatistics Snapshot()
    {
        TimeSpan[] window;
        int count;
        TimeSpan max;
        lock (_gate)
        {
            if (_count == 0)
            {
                return default;
            }

            window = _recent.AsSpan(0, _retained).ToArray();
            count = _count;
            max = _max;
        }

        Array.Sort(window);
        return new FenceStatistics(count, window[(window.Length - 1) / 2], max);
    }
}
