namespace PredictiveSharding.Forecasting;

/// <summary>Training progress reported by a forecaster.</summary>
/// <param name="Epoch">Epochs finished.</param>
/// <param name="TotalEpochs">Epochs planned (training may stop earlier).</param>
/// <param name="TrainingLoss">Mean training loss of the last epoch.</param>
/// <param name="ValidationLoss">Loss on the held-out tail, or NaN when there is none.</param>
public readonly record struct ForecasterProgress(int Epoch, int TotalEpochs, double TrainingLoss, double ValidationLoss);
