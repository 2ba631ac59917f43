/** The sensors API lives with the other shared clients (other pages read crowd areas too). */
export * from '../../api/sensors';
