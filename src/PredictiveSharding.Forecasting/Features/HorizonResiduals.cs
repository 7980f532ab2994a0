namespace PredictiveSharding.Forecasting.Features;

/// <summary>
/// Forecast errors pooled per horizon step (scaled, so one pool serves every series), sorted for quantiles. A step with
/// too few errors borrows the pool of the furthest step that has enough, widened by √(h / h′) as for a random walk.
/// </summary>
internal sealed class HorizonResiduals
{
    private readonly double[][] _sorted;
    private readonly int _usable;

    /// <summary>Sorts the pools; <paramref name="pools"/>[h − 1] holds the errors h steps ahead.</summary>
    /// <exception cref="ArgumentException">Fewer than <paramref name="minimum"/> one-step errors.</exception>
    public HorizonResiduals(IReadOnlyList<List<double>> pools, int minimum)
    {
        _sorted = new double[pools.Count][];
        _usable = 0;
        for (var h = 0; h < pools.Count; h++)
        {
            _sorted[h] = [.. pools[h]];
            Array.Sort(_sorted[h]);
            if (_sorted[h].Length >= minimum && _usable == h)
            {
                _usable = h + 1;
            }
        }

        if (_usable == 0)
        {
            throw new ArgumentException($"Only {(pools.Count == 0 ? 0 : pools[0].Count)} one-step forecast errors could be measured on the held-out tail; at least {minimum} are needed to estimate quantiles. Give more or longer series.", nameof(pools));
        }
    }

    /// <summary>The number of one-step errors measured.</summary>
    public int OneStepCount => _sorted[0].Length;

    /// <summary>Writes the error quantiles <paramref name="h"/> steps ahead (1-based), multiplied by <paramref name="scale"/>.</summary>
    public void Offsets(int h, IReadOnlyList<double> levels, double scale, Span<double> destination)
    {
        var available = Math.Min(h, _usable);
        var widen = Math.Sqrt((double)h / available) * scale;
        var sorted = _sorted[available - 1];
        for (var q = 0; q < levels.Count; q++)
        {
            destination[q] = EmpiricalQuantile.OfSorted(sorted, levels[q]) * widen;
        }
    }
}
