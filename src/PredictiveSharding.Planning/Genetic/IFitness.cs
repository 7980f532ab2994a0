namespace PredictiveSharding.Planning.Genetic;

/// <summary>Scores a chromosome; lower is better (GeneticSharp's IFitness, minimising).</summary>
internal interface IFitness
{
    /// <summary>Computes and stores <see cref="AssignmentChromosome.Fitness"/> from the chromosome's derived state.</summary>
    double Evaluate(AssignmentChromosome chromosome);
}
