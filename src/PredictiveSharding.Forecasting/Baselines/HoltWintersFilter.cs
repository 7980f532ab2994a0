namespace PredictiveSharding.Forecasting.Baselines;

/// <summary>
/// Holt-Winters recursions with a damped trend, in the component form of Hyndman and Athanasopoulos,
/// "Forecasting: Principles and Practice", §8.3 (additive and multiplicative seasonality).
/// </summary>
internal static class HoltWintersFilter
{
    /// <summary>
    /// Advances <paramref name="state"/> over <paramref name="values"/> and returns the sum of squared one-step errors
    /// of the steps from <paramref name="skip"/> on. The one-step errors of those steps are appended to
    /// <paramref name="residuals"/> (relative to the forecast for multiplicative seasonality).
    /// </summary>
    /// <remarks>
    /// With <paramref name="strict"/> (fitting), a non-positive multiplicative base makes the parameters infeasible (returns +∞);
    /// otherwise (forecasting) the base is floored so the state stays usable.
    /// </remarks>
    public static double Run(in HoltWintersParameters p, HoltWintersState state, ReadOnlySpan<double> values, int skip, List<double>? residuals, bool strict)
    {
        var m = state.Seasonal.Length;
        var level = state.Level;
        var trend = state.Trend;
        var seasonal = state.Seasonal;
        var phase = state.Phase;
        var sse = 0.0;
        for (var t = 0; t < values.Length; t++)
        {
            var y = values[t];
            var s = seasonal[phase];
            var baseLevel = level + (p.Phi * trend);
            double forecast;
            double newLevel;
            if (p.Multiplicative)
            {
                if (baseLevel <= 0 || s <= 0)
                {
                    if (strict)
                    {
                        return double.PositiveInfinity;
                    }

                    baseLevel = Math.Max(baseLevel, 1e-9);
                    s = Math.Max(s, 1e-9);
                }

                forecast = baseLevel * s;
                newLevel = (p.Alpha * (y / s)) + ((1 - p.Alpha) * baseLevel);
                seasonal[phase] = (p.Gamma * (y / baseLevel)) + ((1 - p.Gamma) * s);
            }
            else
            {
                forecast = baseLevel + s;
                newLevel = (p.Alpha * (y - s)) + ((1 - p.Alpha) * baseLevel);
                seasonal[phase] = (p.Gamma * (y - baseLevel)) + ((1 - p.Gamma) * s);
            }

            trend = (p.BetaStar * (newLevel - level)) + ((1 - p.BetaStar) * p.Phi * trend);
            level = newLevel;
            phase = phase + 1 == m ? 0 : phase + 1;
            var error = y - forecast;
            if (t >= skip)
            {
                sse += error * error;
                residuals?.Add(p.Multiplicative ? error / forecast : error);
            }
        }

        state.Level = level;
        state.Trend = trend;
        state.Phase = phase;
        return double.IsFinite(sse) ? sse : double.PositiveInfinity;
    }

    /// <summary>
    /// The point forecast <paramref name="h"/> steps (1-based) after the state, given <paramref name="phiSum"/> = φ + … + φ^h
    /// (<see cref="HoltWintersHorizon.PhiSum"/>, kept running so a horizon costs linear time).
    /// </summary>
    public static double Point(in HoltWintersParameters p, HoltWintersState state, int h, double phiSum)
    {
        var m = state.Seasonal.Length;
        var s = state.Seasonal[(state.Phase + h - 1) % m];
        var trended = state.Level + (phiSum * state.Trend);
        return p.Multiplicative ? trended * s : trended + s;
    }
}
