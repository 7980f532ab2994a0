using PredictiveSharding.Telemetry;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Forecasting.Lstm;

/// <summary>
/// Online recalibration of the quantile levels as actuals arrive: adaptive conformal inference (Gibbs and Candès 2021)
/// in its quantile-tracking form (Angelopoulos, Candès and Tibshirani 2023). Each level τ has an offset θ_τ, in units
/// of that level's own distance from the median at each step (the spread, as in <see cref="QuantileCalibration"/>,
/// when the levels have no median), added on top of the split-conformal offsets. When a forecast's buckets are later seen in a history, each level's offset moves by
/// <c>γ · (τ − share of those actuals at or below the issued quantile)</c>: a level that too many actuals fall under
/// is lowered, one that too few do is raised. The long-run share of actuals under each level then tends to τ whatever
/// the data does (the offset is a stochastic-approximation of the score's τ-quantile, with no exchangeability assumed),
/// which covers a shift the held-out tail never showed and a model trained on too little to split off a tail.
/// </summary>
/// <remarks>
/// One offset per level, pooled over horizon steps and series: the split-conformal offsets already shape the steps, and
/// pooling makes each update a share over many points rather than one indicator. The median is not adapted
/// (<see cref="IsMedian"/>), nor moved by the other levels' offsets (<see cref="AddOffsets"/>). Only each partition's latest forecast
/// is kept, until its steps are all scored or a history starts after them; its steps are scored once, when their
/// buckets first appear. Thread-safe.
/// Why each level's distance from the median as the unit rather than the spread (highest minus lowest level): the
/// spread includes the 0.99 tail, many times the 0.1–0.9 interval on a bursty series, so one pooled step in spreads
/// moved a bursty series' 80% interval far more than a calm one's. With the spread, a rate large enough to follow
/// NYC taxi's holiday holdout within its 43 updates (0.3) took Azure Functions' development coverage80 from 0.80 to
/// 0.61–0.71; in these units a step widens or narrows each side of every series' interval by the same proportion,
/// and rate 1 keeps Azure at 0.79–0.80 while taxi reaches 0.75. A side of zero width stays as it is (an idle
/// series forecast at zero throughout, whose ties with zero count as inside anyway).
/// </remarks>
internal sealed class AdaptiveCalibration
{
    /// <summary>
    /// Largest offset either way, in units of the level's distance from the median: three times an interval side is
    /// far beyond any correction a working model needs, and the bound keeps one odd run of data from carrying the
    /// levels somewhere they take as long to come back from.
    /// </summary>
    internal const float MaxOffset = 2;

    private readonly object _gate = new();
    private readonly double _rate;
    private readonly float[] _levels;
    private readonly int _horizon;
    private readonly float[] _offsets;

    // Index of the median level (never adapted; monotonicity is restored outwards from it), or -1 when there is none.
    private readonly int _median;
    private readonly Dictionary<PartitionId, Pending> _pending = [];

    public AdaptiveCalibration(double rate, float[] levels, int horizon)
    {
        ArgumentNullException.ThrowIfNull(levels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rate);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(horizon);
        _rate = rate;
        _levels = levels;
        _horizon = horizon;
        _offsets = new float[levels.Length];
        _median = Array.FindIndex(levels, IsMedian);
    }

    /// <summary>A copy of the current offsets, one per level, in units of the level's distance from the median.</summary>
    public float[] Offsets
    {
        get
        {
            lock (_gate)
            {
                return (float[])_offsets.Clone();
            }
        }
    }

    /// <summary>The number of partitions whose latest forecast is remembered for scoring.</summary>
    internal int PendingCount
    {
        get
        {
            lock (_gate)
            {
                return _pending.Count;
            }
        }
    }

    /// <summary>Adds the current offsets (times each level's distance from the median at each step) to rows of scaled quantiles (<c>[rows × horizon·levels]</c>) and restores monotonicity.</summary>
    public void Apply(Span<float> quantiles, int rows)
    {
        var nq = _levels.Length;
        Span<float> offsets = stackalloc float[nq];
        lock (_gate)
        {
            _offsets.CopyTo(offsets);
        }

        var ho = _horizon * nq;
        for (var r = 0; r < rows; r++)
        {
            for (var s = 0; s < _horizon; s++)
            {
                AddOffsets(quantiles.Slice((r * ho) + (s * nq), nq), offsets, _median);
            }
        }
    }

    /// <summary>
    /// Adds offsets (each in units of its level's distance from the median in <paramref name="q"/> as the network gave
    /// it; in spreads when there is no median level) to one step's scaled quantiles and restores monotonicity outwards from the median, which
    /// has no offset: a lower level raised past it is held at the median rather than carrying it up (a running maximum
    /// from the lowest level moved the point forecast whenever the lowest level's offset grew past the median, though
    /// the median is never adapted). Without a median level (<paramref name="median"/> −1), a running maximum from the
    /// lowest level.
    /// </summary>
    private static void AddOffsets(Span<float> q, ReadOnlySpan<float> offsets, int median)
    {
        var nq = q.Length;
        Span<float> shift = stackalloc float[nq];

        // Units taken from the levels as given, before any of them moves; the spread only when there is no median.
        var width = median >= 0 ? 0 : QuantileCalibration.Width(q);
        for (var k = 0; k < nq; k++)
        {
            shift[k] = offsets[k] * (median >= 0 ? Math.Abs(q[k] - q[median]) : width);
        }

        for (var k = median + 1; k < nq; k++)
        {
            q[k] = k == 0 ? q[k] + shift[k] : Math.Max(q[k] + shift[k], q[k - 1]);
        }

        for (var k = median; k >= 0; k--)
        {
            q[k] = k == nq - 1 ? q[k] + shift[k] : Math.Min(q[k] + shift[k], q[k + 1]);
        }
    }

    /// <summary>
    /// Remembers the forecast issued for <paramref name="partition"/>: its first step starts at <paramref name="origin"/>,
    /// <paramref name="row"/> holds its scaled quantiles (<c>[horizon × levels]</c>, as issued) and <paramref name="scale"/> its scale.
    /// Replaces any earlier forecast for the partition.
    /// </summary>
    public void Record(PartitionId partition, DateTimeOffset origin, TimeSpan step, ReadOnlySpan<float> row, float scale)
    {
        var pending = new Pending(origin, step, row.ToArray(), scale);
        lock (_gate)
        {
            _pending[partition] = pending;
        }
    }

    /// <summary>
    /// Scores the steps of remembered forecasts whose buckets <paramref name="series"/> now holds and moves each level's
    /// offset by the rate times its coverage error over them. Returns the number of points scored.
    /// </summary>
    public int Observe(IEnumerable<PartitionLoadSeries> series)
    {
        ArgumentNullException.ThrowIfNull(series);
        var nq = _levels.Length;
        var below = new long[nq];
        var points = 0;
        var earliest = DateTimeOffset.MaxValue;
        lock (_gate)
        {
            foreach (var s in series)
            {
                if (s.Count > 0 && s.Start < earliest)
                {
                    earliest = s.Start;
                }

                if (!_pending.TryGetValue(s.Partition, out var p) || p.Scored >= _horizon || s.Step != p.Step || s.Count == 0)
                {
                    continue;
                }

                // Bucket index of the forecast's first step; buckets are consecutive (PartitionLoadSeries checks that).
                var first = (p.Origin - s.Start).Ticks / s.Step.Ticks;
                var seen = (int)Math.Min(_horizon, s.Count - first);
                for (var h = p.Scored; h < seen; h++)
                {
                    if (first + h < 0)
                    {
                        continue;
                    }

                    var y = s.Buckets[(int)(first + h)].Requests;
                    for (var k = 0; k < nq; k++)
                    {
                        // The issued quantile in load units (clamped at zero like the forecast). An actual equal to a
                        // lower level is inside the interval, so it counts as below only strictly; one equal to an upper
                        // level counts as below: intervals then cover their nominal share even where loads tie with
                        // quantiles, as an idle partition at zero does with all of them (most of Azure Functions' minutes).
                        // With ≤ at the lower levels those ties could only ever push them down.
                        var issued = Math.Max(0f, p.Row[(h * nq) + k] * p.Scale);
                        if (_levels[k] < 0.5f ? y < issued : y <= issued)
                        {
                            below[k]++;
                        }
                    }

                    points++;
                }

                p.Scored = Math.Max(p.Scored, seen);
                if (p.Scored >= _horizon)
                {
                    _pending.Remove(s.Partition);
                }
            }

            // A forecast whose steps all end before this history starts can no longer be scored (histories move forward):
            // its partition is gone (split, merged, moved away) or left out. Kept, every partition id a store ever had
            // would hold its last forecast for good.
            foreach (var (partition, p) in _pending)
            {
                if (p.Origin + (p.Step * _horizon) <= earliest)
                {
                    _pending.Remove(partition);
                }
            }

            for (var k = 0; k < nq && points > 0; k++)
            {
                if (!IsMedian(_levels[k]))
                {
                    var step = _rate * (_levels[k] - ((double)below[k] / points));
                    _offsets[k] = (float)Math.Clamp(_offsets[k] + step, -MaxOffset, MaxOffset);
                }
            }
        }

        return points;
    }

    /// <summary>
    /// The median is left as the network (and split-conformal calibration) set it: it is the point forecast a planner
    /// provisions at, and one pooled offset for it moved the medians of series that needed none (it made the mean MASE
    /// worse on a trace of many small, exactly periodic series while the intervals' coverage improved).
    /// </summary>
    internal static bool IsMedian(float level) => Math.Abs(level - 0.5f) < 1e-6f;

    private sealed class Pending(DateTimeOffset origin, TimeSpan step, float[] row, float scale)
    {
        public DateTimeOffset Origin { get; } = origin;

        public TimeSpan Step { get; } = step;

        public float[] Row { get; } = row;

        public float Scale { get; } = scale;

        public int Scored { get; set; }
    }
}
