using PredictiveSharding.Forecasting.Lstm;

namespace PredictiveSharding.Forecasting.Tests.Lstm;

/// <summary>
/// Back-propagation against central finite differences for every parameter tensor: the first layer's W and b (input
/// features + recurrence), a stacked layer's W and b (hidden input), the head's W and b. Targets are placed away from
/// every predicted quantile so the pinball loss is smooth around the point being differentiated.
/// </summary>
public sealed class LstmGradientCheckTests
{
    private const int Rows = 3;
    private const int Steps = 5;
    private static readonly float[] Levels = [0.1f, 0.5f, 0.9f];

    [TestCase("layer0.W")]
    [TestCase("layer0.b")]
    [TestCase("layer1.W")]
    [TestCase("layer1.b")]
    [TestCase("head.W")]
    [TestCase("head.b")]
    public void ForwardBackward_EveryEntryOfTensor_MatchesFiniteDifferences(string tensorName)
    {
        var (network, workspace) = Setup();
        var tensor = network.Tensors.Single(t => t.Name == tensorName);
        workspace.ForwardBackward(new LstmPackedWeights(network), Rows, Levels, 1f);
        var analytic = workspace.Gradient.AsSpan(tensor.Offset, tensor.Length).ToArray();
        var numeric = new double[tensor.Length];
        const float eps = 5e-3f;
        for (var i = 0; i < tensor.Length; i++)
        {
            var index = tensor.Offset + i;
            var saved = network.Parameters[index];
            network.Parameters[index] = saved + eps;
            var plus = workspace.Loss(new LstmPackedWeights(network), Rows, Levels);
            network.Parameters[index] = saved - eps;
            var minus = workspace.Loss(new LstmPackedWeights(network), Rows, Levels);
            network.Parameters[index] = saved;
            numeric[i] = (plus - minus) / (2 * (double)eps);
        }

        double diff = 0, norm = 0;
        for (var i = 0; i < numeric.Length; i++)
        {
            diff += (numeric[i] - analytic[i]) * (numeric[i] - analytic[i]);
            norm += Math.Max(numeric[i] * numeric[i], analytic[i] * (double)analytic[i]);
        }

        TestContext.Out.WriteLine($"{tensorName}: {tensor.Length} entries, relative error {Math.Sqrt(diff / norm):E2}");
        Assert.That(norm, Is.GreaterThan(1e-8), "the tensor's gradient should not vanish in this set-up");
        Assert.That(Math.Sqrt(diff / norm), Is.LessThan(5e-3), $"relative error of {tensorName}");
        for (var i = 0; i < numeric.Length; i++)
        {
            Assert.That(analytic[i], Is.EqualTo(numeric[i]).Within(2e-3 + (0.02 * Math.Abs(numeric[i]))), $"{tensorName}[{i}]");
        }
    }

    [Test]
    public void Tensors_OfTwoLayerNetwork_AreTheSixCheckedAbove()
    {
        var (network, _) = Setup();

        Assert.That(network.Tensors.Select(t => t.Name), Is.EqualTo(new[] { "layer0.W", "layer0.b", "layer1.W", "layer1.b", "head.W", "head.b" }));
        Assert.That(network.Tensors.Sum(t => t.Length), Is.EqualTo(network.Parameters.Length));
    }

    private static (LstmNetwork Network, LstmTrainingWorkspace Workspace) Setup()
    {
        var network = new LstmNetwork(inputSize: 3, hiddenSize: 5, layers: 2, horizon: 2, quantiles: Levels.Length, lagCount: 2);
        var random = new Random(11);
        for (var i = 0; i < network.Parameters.Length; i++)
        {
            network.Parameters[i] = (float)(((random.NextDouble() * 2) - 1) * 0.6);
        }

        var workspace = new LstmTrainingWorkspace(network, Rows, Steps);
        for (var t = 0; t < Steps; t++)
        {
            for (var r = 0; r < Rows; r++)
            {
                for (var i = 0; i < network.InputSize; i++)
                {
                    workspace.Input[workspace.InputOffset(t, r, Rows) + i] = (float)((random.NextDouble() * 2) - 1);
                }
            }
        }

        for (var i = 0; i < Rows * network.FutureSize; i++)
        {
            workspace.Future[i] = (float)random.NextDouble();
        }

        // One forward pass to see the quantiles, then targets well above or below all of them (alternating).
        workspace.Loss(new LstmPackedWeights(network), Rows, Levels);
        var q = workspace.HeadQuantiles.ToArray();
        var perRow = network.HeadOutputSize;
        for (var r = 0; r < Rows; r++)
        {
            for (var s = 0; s < network.Horizon; s++)
            {
                var lo = q[(r * perRow) + (s * Levels.Length)];
                var hi = q[(r * perRow) + (s * Levels.Length) + Levels.Length - 1];
                workspace.Targets[(r * network.Horizon) + s] = (r + s) % 2 == 0 ? hi + 1 : lo - 1;
            }
        }

        return (network, workspace);
    }
}
