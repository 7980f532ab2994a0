using System.Globalization;

namespace PredictiveSharding.Forecasting.Lstm;

/// <summary>
/// Settings of <see cref="LstmForecaster"/>. Defaults follow DeepAR's practice (Salinas et al. 2020; GluonTS
/// <c>DeepAREstimator</c>): 2 layers of 40 cells, a context as long as the horizon, Adam at a learning rate of the
/// order of 1e-3 and gradient clipping at 10. <see cref="Validate"/> names the first bad setting.
/// </summary>
public sealed class LstmForecasterOptions
{
    internal const int MaxLag = 100_000;

    internal const int MaxSeasonalMedianSeasons = 8;

    /// <summary>The most quantile levels, and the most seasonal lags, a model file holds (the reader refuses more).</summary>
    internal const int MaxListLength = 1000;

    /// <summary>Stacked LSTM layers, 1–8. Default 2.</summary>
    public int Layers { get; set; } = 2;

    /// <summary>Cells per layer, 1–1024. Default 40.</summary>
    public int HiddenSize { get; set; } = 40;

    /// <summary>
    /// Buckets of history the network reads before each forecast, 1–10,000. Default 24 (GluonTS's default: as long as
    /// the horizon); the seasonal lags bring the values one day and one week back into every step, so a short context
    /// still sees the season, and forecasting cost grows linearly with it.
    /// </summary>
    public int ContextLength { get; set; } = 24;

    /// <summary>Buckets forecast ahead in one pass, 1–10,000. Default 24. A request may ask for fewer, never more.</summary>
    public int Horizon { get; set; } = 24;

    /// <summary>Quantile levels the model learns, strictly increasing in (0, 1), at most 1,000. Default 0.1, 0.5, 0.9, 0.99.</summary>
    public IReadOnlyList<double> Quantiles { get; set; } = [0.1, 0.5, 0.9, 0.99];

    /// <summary>
    /// Seasonal lags in buckets (1–100,000; at most 1,000 of them), fed at every step and, for each forecast step, the latest known value one
    /// season back. Null (the default) uses one day and one week when they are whole numbers of buckets of at least 2
    /// (24 and 168 for hourly buckets).
    /// </summary>
    public IReadOnlyList<int>? SeasonalLags { get; set; }

    /// <summary>Client regions (the most frequent in the training data) whose request share is an input, 0–64. Default 8.</summary>
    public int MaxRegions { get; set; } = 8;

    /// <summary>Adam's step size, in (0, 1]. Default 0.002.</summary>
    public double LearningRate { get; set; } = 0.002;

    /// <summary>Training epochs at most, 1–100,000. Default 30.</summary>
    public int Epochs { get; set; } = 30;

    /// <summary>Training windows (random context + horizon slices over all series) per epoch, 1–10,000,000. Default 4,096.</summary>
    public int WindowsPerEpoch { get; set; } = 4096;

    /// <summary>Windows per optimiser step, 1–65,536. Default 128.</summary>
    public int BatchSize { get; set; } = 128;

    /// <summary>
    /// Share of each series' end held out for early stopping, 0–0.5 (0 turns it off). Default 0.1. The held-out tail is
    /// at least one horizon long; a series too short to keep context + horizon for training besides is not held out.
    /// Validation windows end every half horizon inside the tail, and the weights of the best validation epoch are kept.
    /// </summary>
    public double ValidationFraction { get; set; } = 0.1;

    /// <summary>
    /// Whether to recalibrate the quantiles after training on the held-out tail (split-conformal per horizon step and
    /// level, with scores relative to the network's own spread at that step, so that a series it is unsure about gets a
    /// proportionally larger correction than a calm one), so that intervals keep their nominal coverage when the network
    /// is over- or under-confident. The median (level 0.5), the point forecast, is left as trained. Needs <see cref="ValidationFraction"/> above 0 and at least 200 held-out buckets over
    /// all series; otherwise the quantiles stay as trained. Default false: on real traces the recent tail is not always
    /// like the future (the offsets then narrow intervals that needed to be wider), and a planner that provisions at a
    /// high quantile loses the margin it had; <c>psharding forecast-eval</c> turns it on.
    /// </summary>
    public bool CalibrateQuantiles { get; set; }

    /// <summary>
    /// Whether training keeps an exponential moving average of the weights (Polyak averaging; the decay spans about one
    /// epoch of optimiser steps) and validates, keeps and returns the average rather than the last iterate. The average
    /// of the noisy mini-batch iterates usually forecasts better and costs nothing when forecasting. Only
    /// <see cref="LstmForecaster.FitAsync"/> averages; <see cref="LstmForecaster.UpdateAsync"/> keeps the last iterate, as an
    /// average would lag behind a short fine-tuning. Default false: it lowered the error of the quantile forecasts on a
    /// development split of the sample traces, but the embedded simulation's predictive planner, which provisions at the
    /// median, overloaded more with it on 3 of 4 seeds; <c>psharding forecast-eval</c> turns it on.
    /// </summary>
    public bool WeightAveraging { get; set; }

    /// <summary>
    /// Step size γ of adaptive conformal calibration, 0–1 (0 turns it off). Default 0. When above 0 the forecaster remembers
    /// each partition's latest forecast and, when a later <see cref="LstmForecaster.ForecastAsync"/> or
    /// <see cref="LstmForecaster.UpdateAsync"/> history holds its actuals, moves each quantile level's offset (in units of
    /// the level's distance from the median at each step, added after <see cref="CalibrateQuantiles"/>) by γ times the level minus the share of those
    /// actuals at or below it (adaptive conformal inference, Gibbs and Candès 2021), so that coverage returns to nominal
    /// after a shift and a model with too little held out for split-conformal calibration is calibrated as it goes. The
    /// offsets start at 0 after <see cref="LstmForecaster.FitAsync"/> and after loading a model, carry over
    /// <see cref="LstmForecaster.UpdateAsync"/>, and are not saved. <c>psharding forecast-eval</c> uses 1 (it forecasts every
    /// H steps, so a holdout gives only tens of updates).
    /// </summary>
    public double AdaptiveCalibrationRate { get; set; }

    /// <summary>
    /// How many past seasons the head's seasonal median spans, 0 or 2–8 (0 turns it off). Default 0. When above 0 the head
    /// sees, beside each seasonal lag's latest same-phase value (seasonal naive), the median of the shortest lag's phase
    /// over that many latest seasons, so a one-off burst a season ago does not come back as a forecast while a value that
    /// repeats every season still does; and the head starts from that median instead of seasonal naive when the median
    /// fits the training series better. Values before the series' start are left out of the median. Off by default: it
    /// helps most on bursty request series (per-minute function invocations, hourly tweet volumes) and was neutral to
    /// mixed elsewhere; <c>psharding forecast-eval</c> uses 3.
    /// </summary>
    public int SeasonalMedianSeasons { get; set; }

    /// <summary>
    /// The most past seasons the head's seasonal input may span, 0 or from <see cref="SeasonalMedianSeasons"/> to 8
    /// (0: exactly <see cref="SeasonalMedianSeasons"/>, as before). Default 0. Needs <see cref="SeasonalMedianSeasons"/>.
    /// When set, the input spans as many seasons of the shortest lag, up to this, as the history the network reads anyway
    /// holds (its longest lag: seven days with a weekly lag on hourly steps; never fewer than
    /// <see cref="SeasonalMedianSeasons"/>), and is their mean without the lowest and the highest value, which over three
    /// seasons is their median. It costs no training windows. It helped on series with seasons to spare
    /// (<c>psharding forecast-eval</c>, which uses 8: hourly tweets' MASE ratio 0.765 → 0.738 on average over 11 seeds,
    /// NYC taxi and tweets at 30 minutes 0.574–0.703 against 0.583–0.727 on seeds 42 and 7, a smooth synthetic season
    /// 0.82 → 0.75) and changes nothing where the history holds three seasons only (NAB AWS, Wikipedia, Azure Functions).
    /// </summary>
    public int SeasonalProfileSeasons { get; set; }

    /// <summary>Epochs without a better validation loss before training stops, 1–100,000. Default 5. The fit's last progress report then gives the epochs run as <see cref="ForecasterProgress.TotalEpochs"/>.</summary>
    public int EarlyStoppingPatience { get; set; } = 5;

    /// <summary>Largest L2 norm of a step's gradient; larger ones are scaled down to it. Positive. Default 10.</summary>
    public double GradientClipNorm { get; set; } = 10;

    /// <summary>Seed of initialisation and window sampling: the same seed and data give the same weights. Default 1.</summary>
    public int Seed { get; set; } = 1;

    /// <summary>Threads used for training and forecasting, 1–1024. Default: the processor count, at most 1,024.</summary>
    // Capped: with the processor count itself, default options failed Validate on a host with more logical processors.
    public int DegreeOfParallelism { get; set; } = Math.Min(Environment.ProcessorCount, 1024);

    /// <summary>Epochs of fine-tuning per <see cref="LstmForecaster.UpdateAsync"/>, 1–100,000. Default 3.</summary>
    public int UpdateEpochs { get; set; } = 3;

    /// <summary>Throws if a setting is out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A number is out of its range; the message names it and its value.</exception>
    /// <exception cref="ArgumentException">Quantiles or lags are malformed.</exception>
    public void Validate()
    {
        Range(Layers, 1, 8, nameof(Layers));
        Range(HiddenSize, 1, 1024, nameof(HiddenSize));
        Range(ContextLength, 1, 10_000, nameof(ContextLength));
        Range(Horizon, 1, 10_000, nameof(Horizon));
        Range(MaxRegions, 0, 64, nameof(MaxRegions));
        Range(Epochs, 1, 100_000, nameof(Epochs));
        Range(WindowsPerEpoch, 1, 10_000_000, nameof(WindowsPerEpoch));
        Range(BatchSize, 1, 65_536, nameof(BatchSize));
        Range(EarlyStoppingPatience, 1, 100_000, nameof(EarlyStoppingPatience));
        Range(DegreeOfParallelism, 1, 1024, nameof(DegreeOfParallelism));
        Range(UpdateEpochs, 1, 100_000, nameof(UpdateEpochs));
        if (!(LearningRate > 0 && LearningRate <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, string.Create(CultureInfo.InvariantCulture, $"LearningRate must be in (0, 1]; got {LearningRate}."));
        }

        if (!(ValidationFraction >= 0 && ValidationFraction <= 0.5))
        {
            throw new ArgumentOutOfRangeException(nameof(ValidationFraction), ValidationFraction, string.Create(CultureInfo.InvariantCulture, $"ValidationFraction must be in [0, 0.5]; got {ValidationFraction}."));
        }

        if (!(AdaptiveCalibrationRate >= 0 && AdaptiveCalibrationRate <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(AdaptiveCalibrationRate), AdaptiveCalibrationRate, string.Create(CultureInfo.InvariantCulture, $"AdaptiveCalibrationRate must be in [0, 1]; got {AdaptiveCalibrationRate}."));
        }

        if (SeasonalMedianSeasons != 0 && SeasonalMedianSeasons is < 2 or > MaxSeasonalMedianSeasons)
        {
            throw new ArgumentOutOfRangeException(nameof(SeasonalMedianSeasons), SeasonalMedianSeasons, string.Create(CultureInfo.InvariantCulture, $"SeasonalMedianSeasons must be 0 (off) or in 2..{MaxSeasonalMedianSeasons}; got {SeasonalMedianSeasons}."));
        }

        if (SeasonalProfileSeasons != 0 && (SeasonalMedianSeasons == 0 || SeasonalProfileSeasons < SeasonalMedianSeasons || SeasonalProfileSeasons > MaxSeasonalMedianSeasons))
        {
            throw new ArgumentOutOfRangeException(nameof(SeasonalProfileSeasons), SeasonalProfileSeasons, string.Create(CultureInfo.InvariantCulture, $"SeasonalProfileSeasons must be 0 (off) or in {Math.Max(2, SeasonalMedianSeasons)}..{MaxSeasonalMedianSeasons} with SeasonalMedianSeasons on (now {SeasonalMedianSeasons}); got {SeasonalProfileSeasons}."));
        }

        if (!(GradientClipNorm > 0) || double.IsPositiveInfinity(GradientClipNorm))
        {
            throw new ArgumentOutOfRangeException(nameof(GradientClipNorm), GradientClipNorm, string.Create(CultureInfo.InvariantCulture, $"GradientClipNorm must be a finite positive number; got {GradientClipNorm}."));
        }

        if (Quantiles is null)
        {
            throw new ArgumentException("Quantiles must not be null.", nameof(Quantiles));
        }

        if (Quantiles.Count > MaxListLength)
        {
            throw new ArgumentOutOfRangeException(nameof(Quantiles), Quantiles.Count, string.Create(CultureInfo.InvariantCulture, $"Quantiles may hold at most {MaxListLength} levels (a model file holds no more); got {Quantiles.Count}."));
        }

        try
        {
            LoadForecast.ValidateQuantiles(Quantiles);
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException("Quantiles: " + ex.Message, nameof(Quantiles), ex);
        }

        if (SeasonalLags is not null)
        {
            if (SeasonalLags.Count > MaxListLength)
            {
                throw new ArgumentOutOfRangeException(nameof(SeasonalLags), SeasonalLags.Count, string.Create(CultureInfo.InvariantCulture, $"SeasonalLags may hold at most {MaxListLength} lags (a model file holds no more); got {SeasonalLags.Count}."));
            }

            foreach (var lag in SeasonalLags)
            {
                if (lag < 1 || lag > MaxLag)
                {
                    throw new ArgumentOutOfRangeException(nameof(SeasonalLags), lag, string.Create(CultureInfo.InvariantCulture, $"SeasonalLags must each be in 1..{MaxLag}; got {lag}."));
                }
            }
        }
    }

    internal LstmForecasterOptions Clone() => new()
    {
        Layers = Layers,
        HiddenSize = HiddenSize,
        ContextLength = ContextLength,
        Horizon = Horizon,
        // Null is copied as null so that Validate, which runs on the copy, names the option instead of ToArray failing.
        Quantiles = Quantiles is null ? null! : Quantiles.ToArray(),
        SeasonalLags = SeasonalLags?.ToArray(),
        MaxRegions = MaxRegions,
        LearningRate = LearningRate,
        Epochs = Epochs,
        WindowsPerEpoch = WindowsPerEpoch,
        BatchSize = BatchSize,
        ValidationFraction = ValidationFraction,
        CalibrateQuantiles = CalibrateQuantiles,
        WeightAveraging = WeightAveraging,
        AdaptiveCalibrationRate = AdaptiveCalibrationRate,
        SeasonalMedianSeasons = SeasonalMedianSeasons,
        SeasonalProfileSeasons = SeasonalProfileSeasons,
        EarlyStoppingPatience = EarlyStoppingPatience,
        GradientClipNorm = GradientClipNorm,
        Seed = Seed,
        DegreeOfParallelism = DegreeOfParallelism,
        UpdateEpochs = UpdateEpochs,
    };

    private static void Range(int value, int min, int max, string name)
    {
        if (value < min || value > max)
        {
            throw new ArgumentOutOfRangeException(name, value, string.Create(CultureInfo.InvariantCulture, $"{name} must be in {min}..{max}; got {value}."));
        }
    }
}
