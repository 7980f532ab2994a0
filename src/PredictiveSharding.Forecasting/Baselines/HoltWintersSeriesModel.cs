using PredictiveSharding.Forecasting.Features;

namespace PredictiveSharding.Forecasting.Baselines;

/// <summary>One series' fitted Holt-Winters model: parameters, the state at the first fitted step and at the latest, and its one-step errors.</summary>
internal sealed class HoltWintersSeriesModel
{
    private readonly double[] _residuals;
    private readonly double[] _sortedResiduals;
    private readonly double _medianResidual;

    private HoltWintersSeriesModel(HoltWintersParameters parameters, DateTimeOffset fitStart, HoltWintersState initial, DateTimeOffset end, HoltWintersState final, double[] residuals, double sse)
    {
        Parameters = parameters;
        FitStart = fitStart;
        Initial = initial;
        End = end;
        Final = final;
        Sse = sse;
        _residuals = residuals;
        _sortedResiduals = (double[])residuals.Clone();
        Array.Sort(_sortedResiduals);
        _medianResidual = EmpiricalQuantile.OfSorted(_sortedResiduals, 0.5);
    }

    public HoltWintersParameters Parameters { get; }

    /// <summary>The start of the first fitted bucket; a context starting here can be filtered from <see cref="Initial"/> exactly.</summary>
    public DateTimeOffset FitStart { get; }

    /// <summary>The state before the first fitted bucket (do not mutate; clone).</summary>
    public HoltWintersState Initial { get; }

    /// <summary>The end of the last bucket seen (fit or update).</summary>
    public DateTimeOffset End { get; }

    /// <summary>The state after the last bucket seen (do not mutate; clone).</summary>
    public HoltWintersState Final { get; }

    /// <summary>In-sample one-step SSE after the first season.</summary>
    public double Sse { get; }

    /// <summary>Fits the smoothing parameters by Nelder–Mead on the one-step SSE after the first season.</summary>
    public static HoltWintersSeriesModel Fit(StoredSeries series, int seasonLength, HoltWintersSeasonality seasonality, bool damped, int maxEvaluations, int maxResiduals, CancellationToken cancellationToken)
    {
        var values = series.Values;
        var strictlyPositive = Array.TrueForAll(values, v => v > 0);
        HoltWintersSeriesModel? best = null;
        if (seasonality != HoltWintersSeasonality.Multiplicative || !strictlyPositive)
        {
            best = FitForm(series, seasonLength, multiplicative: false, damped, maxEvaluations, maxResiduals, cancellationToken);
        }

        if (seasonality != HoltWintersSeasonality.Additive && strictlyPositive)
        {
            var multiplicative = FitForm(series, seasonLength, multiplicative: true, damped, maxEvaluations, maxResiduals, cancellationToken);
            if (best is null || multiplicative.Sse < best.Sse)
            {
                best = multiplicative;
            }
        }

        return best!;
    }

    /// <summary>
    /// This model in additive form when it is multiplicative and <paramref name="values"/> hold a load of zero or less;
    /// otherwise this model. Multiplicative seasonality is defined only for positive data (the fit chooses it only for a
    /// strictly positive series): its recursions divide by the level and the seasonal ratios, which a stretch of zeros
    /// drives towards nothing, and the loads after it then made ratios of about 10^9 and forecasts of 10^11 requests. The
    /// same smoothing parameters run on in additive form from the state converted at the current level
    /// (<see cref="HoltWintersState.MultiplicativeToAdditive"/>), and the relative one-step errors become absolute at that
    /// level.
    /// </summary>
    public HoltWintersSeriesModel ForValues(ReadOnlySpan<double> values)
    {
        if (!Parameters.Multiplicative || !values.ContainsAnyExceptInRange(double.Epsilon, double.PositiveInfinity))
        {
            return this;
        }

        var scale = Math.Max(Final.Level, 0);
        var residuals = new double[_residuals.Length];
        for (var i = 0; i < residuals.Length; i++)
        {
            residuals[i] = _residuals[i] * scale;
        }

        return new HoltWintersSeriesModel(
            Parameters with { Multiplicative = false },
            FitStart,
            Initial.MultiplicativeToAdditive(),
            End,
            Final.MultiplicativeToAdditive(),
            residuals,
            Sse);
    }

    /// <summary>This model after the state has run over the new values, which follow <see cref="End"/> directly.</summary>
    public HoltWintersSeriesModel Extend(ReadOnlySpan<double> newValues, TimeSpan step, int maxResiduals)
    {
        var state = Final.Clone();
        var added = new List<double>(newValues.Length);
        var sse = HoltWintersFilter.Run(Parameters, state, newValues, 0, added, strict: false);
        var combined = new double[Math.Min(_residuals.Length + added.Count, maxResiduals)];
        var fromOld = Math.Max(combined.Length - added.Count, 0);
        Array.Copy(_residuals, _residuals.Length - fromOld, combined, 0, fromOld);
        added.CopyTo(added.Count - (combined.Length - fromOld), combined, fromOld, combined.Length - fromOld);
        return new HoltWintersSeriesModel(Parameters, FitStart, Initial, End + (step * newValues.Length), state, combined, Sse + sse);
    }

    /// <summary>
    /// Error offsets for a step h ahead: the one-step residual quantiles, spread about their median by the square root of
    /// the ETS variance factor of that step (<see cref="HoltWintersParameters.VarianceFactor"/>, or
    /// <see cref="HoltWintersHorizon.VarianceFactor"/> kept running). Relative errors for multiplicative seasonality.
    /// </summary>
    public void Offsets(double varianceFactor, IReadOnlyList<double> levels, Span<double> destination)
    {
        var widen = Math.Sqrt(varianceFactor);
        for (var q = 0; q < levels.Count; q++)
        {
            var r = EmpiricalQuantile.OfSorted(_sortedResiduals, levels[q]);
            destination[q] = _medianResidual + ((r - _medianResidual) * widen);
        }
    }

    private static HoltWintersSeriesModel FitForm(StoredSeries series, int seasonLength, bool multiplicative, bool damped, int maxEvaluations, int maxResiduals, CancellationToken cancellationToken)
    {
        var values = series.Values;
        var initial = HoltWintersState.Initial(values, seasonLength, multiplicative);
        var (point, _) = NelderMead.Minimize(
            u =>
            {
                var p = HoltWintersParameters.FromUnconstrained(u, multiplicative);
                return HoltWintersFilter.Run(p, initial.Clone(), values, seasonLength, null, strict: true);
            },
            HoltWintersParameters.Start(damped),
            initialStep: 1.0,
            maxEvaluations,
            tolerance: 1e-7,
            cancellationToken);
        var parameters = HoltWintersParameters.FromUnconstrained(point, multiplicative);
        var final = initial.Clone();
        var residuals = new List<double>(values.Length);
        var sse = HoltWintersFilter.Run(parameters, final, values, seasonLength, residuals, strict: false);
        var kept = residuals.Count > maxResiduals ? residuals.GetRange(residuals.Count - maxResiduals, maxResiduals) : residuals;
        return new HoltWintersSeriesModel(parameters, series.Start, initial, series.End, final, [.. kept], sse);
    }
}
