using System.Diagnostics.Metrics;

namespace PredictiveSharding.Forecasting.Lstm;

/// <summary>Counters under the package's meter name, so OpenTelemetry can collect them without a dependency here.</summary>
internal static class LstmMetrics
{
    public const string MeterName = "PredictiveSharding.Forecasting";

    private static readonly Meter Meter = new(MeterName);

    public static readonly Counter<long> TrainingWindows = Meter.CreateCounter<long>("psharding.forecasting.lstm.training_windows", unit: "{window}", description: "Windows the LSTM trained on.");

    public static readonly Counter<long> ForecastSeries = Meter.CreateCounter<long>("psharding.forecasting.lstm.forecast_series", unit: "{series}", description: "Series the LSTM forecast.");

    public static readonly Histogram<double> TrainingSeconds = Meter.CreateHistogram<double>("psharding.forecasting.lstm.training_duration", unit: "s", description: "Wall time of an LSTM fit or update.");
}
