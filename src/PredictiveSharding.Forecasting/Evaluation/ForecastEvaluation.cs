namespace PredictiveSharding.Forecasting.Evaluation;

/// <summary>One model's rolling-origin evaluation.</summary>
public sealed record ForecastEvaluation
{
    /// <summary>The model's name (<see cref="ILoadForecaster.Name"/>).</summary>
    public required string Name { get; init; }

    /// <summary>MASE per series (median forecast, seasonal naive denominator from the part before the first origin), averaged over the series that have a non-zero denominator.</summary>
    public required double Mase { get; init; }

    /// <summary>Weighted quantile loss per series, averaged over the configured quantile levels and then over series with non-zero load.</summary>
    public required double Wql { get; init; }

    /// <summary>The share of all forecast points whose actual lies inside the forecast 0.1–0.9 interval.</summary>
    public required double Coverage80 { get; init; }

    /// <summary>Wall time of fitting (and of updates between origins, when enabled), in seconds.</summary>
    public required double TrainSeconds { get; init; }

    /// <summary>Wall time of forecasting, in milliseconds per series and origin (one H-step forecast of one series).</summary>
    public required double ForecastMillisPerSeries { get; init; }

    /// <summary>Series evaluated.</summary>
    public required int SeriesCount { get; init; }

    /// <summary>Series left out of the MASE mean because their in-sample seasonal naive error is zero.</summary>
    public required int SeriesWithoutMaseScale { get; init; }

    /// <summary>Series left out of the wQL mean because their evaluated actuals are all zero.</summary>
    public required int SeriesWithoutLoad { get; init; }

    /// <summary>Forecast origins summed over series.</summary>
    public required int Origins { get; init; }

    /// <summary>Forecast points (series × origins × horizon).</summary>
    public required int ForecastPoints { get; init; }
}
