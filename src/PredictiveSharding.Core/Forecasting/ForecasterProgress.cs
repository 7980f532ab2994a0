namespace PredictiveSharding.Forecasting;

/// <summary>Training progress reported by a forecaster.</summary>
/// <param name="Epoch">Epochs finished.</param>
/// <param name="TotalEpochs">Epochs planned; on the last report of a fit that stopped early (the LSTM's early stopping), the epochs run, so <c>Epoch == TotalEpochs</c> marks a fit's last report.</param>
/// <param name="TrainingLoss">Mean training loss of the last epoch.</param>
/// <param name="ValidationLoss">Loss on the held-out tail, or NaN when there is none.</param>
public readonly record struct ForecasterProgress(int Epoch, int TotalEpochs, double TrainingLoss, double ValidationLoss);
